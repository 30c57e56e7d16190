// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Configuration;
using PainStream.Daemon.Configuration;
using PainStream.Testing;

namespace PainStream.Daemon.Tests;

public sealed class ConfigCheckerTests
{
    [Fact]
    public void Check_ShippedConfig_IsValidAndPlaysTheDemo()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(TestPaths.RepoRoot, "config", "painstream.json"))
            .Build();

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Empty(problems);
        Assert.NotNull(settings);
        Assert.Empty(settings.Cameras);
        Assert.Equal(string.Empty, settings.Mqtt.Host);
    }

    [Fact]
    public void Check_ExampleConfig_IsValid()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(TestPaths.RepoRoot, "config", "painstream.example.json"))
            .Build();

        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        Assert.Equal(3, settings!.Cameras.Count);
    }

    [Fact]
    public void Check_TyposWrongTypesAndRuleViolations_ReportsEveryProblemWithItsKey()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "bed-1": { "Url": "rtsp://10.0.0.1/s", "Fsp": 5 },
                "Bed 2": { "Url": "rtsp://10.0.0.2/s" },
                "bed-3": { "Url": "" }
              },
              "Capture": { "Fps": "fast", "StallTimeoutSecs": 3 },
              "Mqtt": { "Port": 70000 },
              "Detection": { "Detector": "Yolo" },
              "Alerting": { }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("Cameras:bed-1:Fsp: unknown key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Capture:StallTimeoutSecs: unknown key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Alerting: unknown section", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Capture:Fps", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Detection:Detector", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Mqtt:Port:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:Bed 2", StringComparison.Ordinal) && p.Contains("[a-z0-9_-]", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:bed-3:Url:", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_EnvironmentOverride_AppliesOverTheFile()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Host"] = string.Empty })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Host"] = "broker.ward", ["Cameras:bed-9:Url"] = "rtsp://u:p@10.1.1.9/s" })
            .Build();

        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        Assert.Equal("broker.ward", settings!.Mqtt.Host);
        Assert.Equal("rtsp://u:p@10.1.1.9/s", settings.Cameras["bed-9"].Url);
    }

    private static IConfigurationRoot Json(string json)
    {
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }
}
