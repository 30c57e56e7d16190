// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Tools.Commands;
using PainStream.Testing;

namespace PainStream.Tools.Tests;

/// <summary>A small synthetic dataset made once for the dataset and eval tests: astronaut and messi5, 30 crops each.</summary>
public sealed class SynthDatasetFixture : IAsyncLifetime
{
    public const int PerFace = 30;

    private readonly TempDirectory _temp = new("painstream-synth-");

    public string Folder => Path.Combine(_temp.Path, "synth");

    public int ExitCode { get; private set; }

    public string Stdout { get; private set; } = string.Empty;

    public string Stderr { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        (ExitCode, Stdout, Stderr) = await DatasetCli.RunAsync(
            "synth", "--face", TestPaths.Fixture("astronaut.png"), "--face", TestPaths.Fixture("messi5.jpg"),
            "--out", Folder, "--per-face", PerFace.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", "7", "--models", TestPaths.Models);
    }

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Runs the dataset and eval verbs in-process with captured output.</summary>
internal static class DatasetCli
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await DatasetCommand.RunAsync(args, stdout, stderr, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static async Task<(int Code, string Stdout, string Stderr)> EvalAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await EvalCommand.RunAsync(args, stdout, stderr, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Reads labels.csv rows as (path, subject, pspi) without the product's parser.</summary>
    public static List<(string Path, string Subject, double Pspi)> ReadLabels(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, "labels.csv"));
        Assert.Equal("path,subject,pspi", lines[0]);
        return [.. lines.Skip(1).Select(l => l.Split(',')).Select(f => (f[0], f[1], double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)))];
    }
}
