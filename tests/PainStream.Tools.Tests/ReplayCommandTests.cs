// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Alerting;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Tools.Commands;
using PainStream.Hosting.History;
using PainStream.Testing;

namespace PainStream.Tools.Tests;

/// <summary><c>painstream replay</c> over a recorded history: the episodes, the snippet, and invalid settings named.</summary>
public sealed class ReplayCommandTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Replay_prints_what_happened_what_the_candidate_raises_and_the_snippet()
    {
        using var dir = new TempDirectory();
        var history = Record(dir.File("h.db"));
        var (code, stdout, stderr) = Run("--camera", "demo", "--bed", "bed", "--history", history, "--from", Start.ToString("O"), "--to", Start.AddHours(1).ToString("O"), "--set", "OnThreshold=12", "--config", Config(dir));
        Assert.True(code == 0, stderr);
        Assert.Contains("what happened (running settings): 1 episode(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("with the candidate settings: 0 episode(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("\"Alerting\": { \"OnThreshold\": 12 }", stdout, StringComparison.Ordinal);

        (code, stdout, stderr) = Run("--camera", "demo", "--bed", "bed", "--history", history, "--from", Start.ToString("O"), "--to", Start.AddHours(1).ToString("O"), "--config", Config(dir));
        Assert.True(code == 0, stderr);
        Assert.Contains("with the candidate settings: 1 episode(s)", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OnThreshold=1", "Alerting: OffThreshold (2.5) must be less than OnThreshold (1)")]
    [InlineData("OnThreshold=99", "Alerting:OnThreshold: The field OnThreshold must be between 0 and 16.")]
    [InlineData("Dwel=3", "unknown setting 'Dwel'")]
    [InlineData("HoldSeconds=abc", "Alerting:HoldSeconds: 'abc' is not a number")]
    public void An_invalid_setting_is_named_and_exits_2(string set, string message)
    {
        using var dir = new TempDirectory();
        var history = Record(dir.File("h.db"));
        var (code, _, stderr) = Run("--camera", "demo", "--bed", "bed", "--history", history, "--set", set, "--config", Config(dir));
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    private static string Config(TempDirectory dir)
    {
        // No camera configured: the demo camera with its one bed and the default alerting.
        var file = dir.File("painstream.json");
        File.WriteAllText(file, "{}");
        return file;
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ReplayCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Record(string path)
    {
        var camera = new CameraId("demo");
        using var store = new ScoreHistoryStore(path, new HistoryOptions(), new FakeTimeProvider(Start), NullLogger<ScoreHistoryStore>.Instance);
        store.Open();
        var machine = new PatientAlertMachine(camera, "bed", AlertPolicy.Default);
        for (var t = 0.0; t < 120; t += 0.2)
        {
            var at = Start.AddSeconds(t);
            var sample = new ScoreSample(t is > 20 and < 50 ? 8 : 0.5, 0.95);
            foreach (var e in machine.Step(sample, at))
            {
                store.RecordEvent(e);
            }

            store.RecordSample(camera, "bed", at, sample, machine.Smoothed, machine.State);
        }

        store.Flush();
        return path;
    }
}
