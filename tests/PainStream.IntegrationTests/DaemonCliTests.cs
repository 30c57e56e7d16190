// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>The daemon's command line on bad input: a clear message naming the key or the file, and a non-zero exit.</summary>
[Collection(DaemonTestGroup.Name)]
public sealed class DaemonCliTests
{
    [Fact]
    public async Task CheckConfig_ShippedConfig_ExitsZero()
    {
        var (code, output) = await DaemonProcess.RunCliAsync("check-config", Path.Combine(TestPaths.RepoRoot, "config", "painstream.json"));

        Assert.True(code == 0, output);
        Assert.Contains("OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfigAndRun_BadKeys_ListEveryProblemWithItsKeyAndExitTwo()
    {
        using var scratch = new TempDirectory("painstream-cfg-");
        var directory = scratch.Path;
        var file = Path.Combine(directory, "bad.json");
        await File.WriteAllTextAsync(file, """
            { "Cameras": { "Bed 1": { "Url": "rtsp://10.0.0.1/s" }, "bed-2": { "Url": "", "Fsp": 3 } },
              "Capture": { "Fps": -1 }, "Mqtt": { "Port": "eighty" } }
            """, TestContext.Current.CancellationToken);
        foreach (var args in new[] { new[] { "check-config", file }, ["run", "--config", file] })
        {
            var (code, output) = await DaemonProcess.RunCliAsync(args);

            Assert.True(code == 2, output);
            Assert.Contains("Cameras:bed-2:Fsp: unknown key", output, StringComparison.Ordinal);
            Assert.Contains("Cameras:Bed 1", output, StringComparison.Ordinal);
            Assert.Contains("Cameras:bed-2:Url", output, StringComparison.Ordinal);
            Assert.Contains("Capture:Fps", output, StringComparison.Ordinal);
            Assert.Contains("Mqtt:Port", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_CorruptModel_FailsAtStartNamingThePathAndTheExpectedChecksum()
    {
        using var scratch = new TempDirectory("painstream-model-");
        var directory = scratch.Path;
        var models = Path.Combine(directory, "models");
        Directory.CreateDirectory(Path.Combine(models, "blazeface"));
        File.Copy(Path.Combine(TestPaths.Models, "manifest.json"), Path.Combine(models, "manifest.json"));
        var source = await File.ReadAllBytesAsync(Path.Combine(TestPaths.Models, "blazeface", "face_detection_front_128x128_batch.onnx"), TestContext.Current.CancellationToken);
        var corrupt = Path.Combine(models, "blazeface", "face_detection_front_128x128_batch.onnx");
        await File.WriteAllBytesAsync(corrupt, source[..(source.Length / 2)], TestContext.Current.CancellationToken);
        var file = Path.Combine(directory, "painstream.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            Detection = new { ModelsDirectory = models },
            Mqtt = new { EmbeddedPort = FreePort.Get() },
            Http = new { Url = $"http://127.0.0.1:{FreePort.Get()}" },
        }), TestContext.Current.CancellationToken);

        var (code, output) = await DaemonProcess.RunCliAsync("run", "--config", file);

        Assert.True(code == 3, output);
        Assert.Contains(corrupt, output, StringComparison.Ordinal);
        Assert.Matches("[0-9a-f]{64}", output);
    }

    [Theory]
    [InlineData("run", "--config")]
    [InlineData("check-config", "FILE")]
    [InlineData("score", "--baseline")]
    [InlineData("demo-clip", "--grimace-seconds")]
    [InlineData("dataset synth", "--frames-per-clip")]
    [InlineData("dataset align", "--workers")]
    [InlineData("eval", "--scheme")]
    [InlineData("replay", "--set")]
    [InlineData("help", "VERB")]
    public async Task Help_on_a_verb_exits_zero_and_names_its_options(string verb, string option)
    {
        foreach (var help in new[] { "--help", "-h" })
        {
            var (code, output) = await DaemonProcess.RunCliAsync([.. verb.Split(' '), help]);

            Assert.True(code == 0, output);
            Assert.Contains($"painstream {verb} [", output, StringComparison.Ordinal);
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("score --jsno a.png", "'--json'")]
    [InlineData("demo-clip --face a.png --out b.mp4 --bogus 3", "'--bogus'")]
    [InlineData("run --config", "Required argument missing for option: '--config'")]
    [InlineData("replay --camera c --bed", "Required argument missing for option: '--bed'")]
    [InlineData("frobnicate", "'frobnicate'")]
    public async Task A_bad_command_line_exits_64_naming_the_problem(string line, string message)
    {
        var (code, output) = await DaemonProcess.RunCliAsync(line.Split(' '));

        Assert.True(code == 64, output);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }
}
