// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PainStream.Core.Scoring;
using PainStream.Hosting.Configuration;
using PainStream.Scoring.Onnx;
using PainStream.Testing;

namespace PainStream.Daemon.Tests;

/// <summary>The composition root loads the configured learned models before anything starts.</summary>
public sealed class LearnedModelStartupTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Build_CorruptModel_FailsAtStartUpNamingThePath()
    {
        var path = new TinyPainModel().Write(_dir.Path, "dacnn");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..64]);
        using var host = DaemonHost.Build(Settings(path), new DaemonPaths(TestPaths.RepoRoot, _dir.File("painstream.json")));

        var ex = Assert.Throws<ModelContractException>(() => host.Services.GetRequiredService<LearnedScorers>());

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("sha256: expected", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_ValidModel_RoutesTheCamerasThatSelectIt()
    {
        var path = new TinyPainModel().Write(_dir.Path, "dacnn");
        using var host = DaemonHost.Build(Settings(path), new DaemonPaths(TestPaths.RepoRoot, _dir.File("painstream.json")));

        var learned = host.Services.GetRequiredService<LearnedScorers>();
        var scorers = host.Services.GetRequiredService<IPatientScorerFactory>();

        Assert.Equal(["dacnn"], learned.Models.Keys);
        Assert.True(learned.Scores(new Core.Frames.CameraId("icu-1")));
        Assert.False(learned.Scores(new Core.Frames.CameraId("icu-2")));
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal("onnx:dacnn", (await scorers.CreateAsync(new Core.Frames.CameraId("icu-1"), "bed", ct)).Name);
        Assert.Equal("geometric", (await scorers.CreateAsync(new Core.Frames.CameraId("icu-2"), "bed", ct)).Name);
    }

    private PainStreamSettings Settings(string modelPath)
    {
        var json = $$"""
            {
              "Cameras": {
                "icu-1": { "Url": "lavfi:testsrc", "Scorer": "onnx:dacnn" },
                "icu-2": { "Url": "lavfi:testsrc" }
              },
              "Scoring": { "StateDirectory": "{{_dir.File("state")}}", "Models": { "dacnn": { "Path": "{{modelPath}}" } } },
              "Http": { "Enabled": false },
              "Mqtt": { "Host": "127.0.0.1", "Port": 1 }
            }
            """;
        File.WriteAllText(_dir.File("painstream.json"), json, Encoding.UTF8);
        var configuration = new ConfigurationBuilder().AddJsonFile(_dir.File("painstream.json")).Build();
        var problems = ConfigChecker.Check(configuration, out var settings);
        Assert.Empty(problems);
        return settings!;
    }
}
