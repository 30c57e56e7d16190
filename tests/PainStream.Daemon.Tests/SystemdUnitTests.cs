// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Options;
using PainStream.Testing;

namespace PainStream.Daemon.Tests;

public sealed class SystemdUnitTests
{
    /// <summary>Every setting that names a file or directory the daemon writes (their defaults lie under the read-only install).</summary>
    public static TheoryData<string> WrittenPaths =>
    [
        $"{MqttOptions.SectionName}__{nameof(MqttOptions.OutboxPath)}",
        $"{ScoringOptions.SectionName}__{nameof(ScoringOptions.StateDirectory)}",
        $"{HttpOptions.SectionName}__{nameof(HttpOptions.History)}__{nameof(HistoryOptions.Path)}",
    ];

    [Theory]
    [MemberData(nameof(WrittenPaths))]
    public void Unit_PointsEveryWrittenPathIntoItsStateDirectory(string key)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "systemd", "painstream.service"));
        var state = Assert.Single(lines, l => l.StartsWith("StateDirectory=", StringComparison.Ordinal))["StateDirectory=".Length..];
        Assert.Contains(lines, l => l == "ProtectSystem=strict");

        // Under ProtectSystem=strict, systemd makes the unit's StateDirectory= (and only what ReadWritePaths= adds) writable.

        var setting = Assert.Single(lines, l => l.StartsWith($"Environment=PAINSTREAM__{key}=", StringComparison.Ordinal));

        Assert.StartsWith($"/var/lib/{state}/", setting[$"Environment=PAINSTREAM__{key}=".Length..], StringComparison.Ordinal);
    }
}
