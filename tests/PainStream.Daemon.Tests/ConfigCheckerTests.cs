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
    public void Check_OnnxScorers_NameAConfiguredModel_WithTheirKeys()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "icu-1": { "Url": "rtsp://10.0.0.1/s", "Scorer": "onnx:dacnn" },
                "icu-2": { "Url": "rtsp://10.0.0.2/s", "Scorer": "onnx:resnet" },
                "icu-3": { "Url": "rtsp://10.0.0.3/s", "Scorer": "cnn" },
                "icu-4": { "Url": "rtsp://10.0.0.4/s", "Scorer": "geometric" }
              },
              "Scoring": { "Models": { "dacnn": { "Path": "models/dacnn-synthetic.onnx" }, "bad name!": { "Path": "" } } }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("Cameras:icu-3:Scorer:", StringComparison.Ordinal) && p.Contains("'onnx:<model name>'", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.StartsWith("Cameras:icu-1:", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_InfantBeds_NeedTheInfantModelAndFlaccThresholds_NamingTheKeys()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "nicu": { "Url": "rtsp://10.0.0.1/s", "Alerting": { "OnThreshold": 12, "OffThreshold": 11 }, "Beds": {
                  "cot-1": { "X": 0, "Width": 0.5, "Mode": "infant" },
                  "cot-2": { "X": 0.5, "Width": 0.5, "Mode": "infant", "Alerting": { "OnThreshold": 10.5 } } } }
              },
              "Alerting": { "Infant": { "OnThreshold": 3, "OffThreshold": 3 } }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("Cameras:nicu:Beds:cot-1:Mode:", StringComparison.Ordinal) && p.Contains("Scoring:InfantModel:Path", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Alerting:Infant:", StringComparison.Ordinal) && p.Contains("OffThreshold", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:nicu:Beds:cot-2:Alerting:", StringComparison.Ordinal) && p.Contains("between 0 and 10", StringComparison.Ordinal));

        // The camera's PSPI thresholds (12/11) are valid PSPI and do not apply to its infant beds.
        Assert.DoesNotContain(problems, p => p.StartsWith("Cameras:nicu:Beds:cot-1:Alerting", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_BadBedMode_NamesTheKey()
    {
        var configuration = Json("""{ "Cameras": { "nicu": { "Url": "rtsp://10.0.0.1/s", "Beds": { "cot": { "Mode": "baby" } } } } }""");

        var problems = ConfigChecker.Check(configuration, out _);

        Assert.Contains(problems, p => p.StartsWith("Cameras:nicu:Beds:cot:Mode", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_InfantBedWithModel_IsValid_AndResolvesFlaccThresholds()
    {
        var configuration = Json("""
            {
              "Cameras": { "nicu": { "Url": "rtsp://10.0.0.1/s", "Beds": { "cot": { "Mode": "Infant" } } } },
              "Scoring": { "InfantModel": { "Path": "models/example/infant-flacc-synthetic.onnx" } },
              "Alerting": { "Infant": { "OnThreshold": 5 } }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Empty(problems);
        var bed = Assert.Single(Core.Cameras.CameraCatalog.ResolveBeds(settings!.Cameras["nicu"], settings.Alerting));
        Assert.Equal(Core.Options.BedMode.Infant, bed.Mode);
        Assert.Equal(Core.Alerting.ScoreScale.Flacc, bed.Policy.Scale);
        Assert.Equal(5, bed.Policy.OnThreshold);
        Assert.Equal(3, bed.Policy.OffThreshold);
    }

    [Fact]
    public void Check_EmptyInfantModelPath_NamesTheKey()
    {
        var problems = ConfigChecker.Check(Json("""{ "Scoring": { "InfantModel": { "Path": "" } } }"""), out _);

        Assert.Contains(problems, p => p.StartsWith("Scoring:InfantModel:Path", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UnknownModelName_NamesTheKey()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "icu-1": { "Url": "rtsp://10.0.0.1/s", "Scorer": "onnx:dacnn" },
                "icu-2": { "Url": "rtsp://10.0.0.2/s", "Scorer": "onnx:resnet" }
              },
              "Scoring": { "Scorer": "onnx:gla", "Models": { "dacnn": { "Path": "models/dacnn-synthetic.onnx" } } }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        Assert.Equal(
            [
                "Scoring:Scorer: unknown model 'gla' (known: dacnn); add it as Scoring:Models:gla:Path",
                "Cameras:icu-2:Scorer: unknown model 'resnet' (known: dacnn); add it as Scoring:Models:resnet:Path",
            ],
            problems);
    }

    [Fact]
    public void Check_ModelWithoutPathOrWithABadName_NamesTheKey()
    {
        var configuration = Json("""
            { "Scoring": { "Models": { "dacnn": { "Path": "" }, "bad name": { "Path": "m.onnx" } }, "MaxBatchSize": 0 } }
            """);

        var problems = ConfigChecker.Check(configuration, out _);

        Assert.Contains(problems, p => p.StartsWith("Scoring:MaxBatchSize:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Scoring:Models:dacnn:Path:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Scoring:Models:bad name:", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_OnnxScorer_ResolvesPerCamera_WithTheGlobalDefault()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "icu-1": { "Url": "rtsp://10.0.0.1/s" },
                "icu-2": { "Url": "rtsp://10.0.0.2/s", "Scorer": "geometric" }
              },
              "Scoring": { "Scorer": "onnx:dacnn", "Models": { "dacnn": { "Path": "models/dacnn-synthetic.onnx" } }, "MaxBatchSize": 8, "MaxBatchWaitMilliseconds": 30 }
            }
            """);

        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        var cameras = Core.Cameras.CameraCatalog.Resolve(settings!.Cameras, settings.Capture, settings.Demo, "/", settings.Alerting, settings.Scoring.Scorer);
        Assert.Equal("onnx:dacnn", cameras[new Core.Frames.CameraId("icu-1")].Scorer);
        Assert.Equal("geometric", cameras[new Core.Frames.CameraId("icu-2")].Scorer);
        Assert.Equal(8, settings.Scoring.MaxBatchSize);
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
    public void Check_AlertingRules_AreCheckedOnEveryResolvedPolicy_WithTheirKeys()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "ward-1": {
                  "Url": "rtsp://10.0.0.1/s",
                  "Alerting": { "OffThreshold": 6 },
                  "Beds": {
                    "bed-a": { "X": 0, "Y": 0, "Width": 0.5, "Height": 1, "Alerting": { "OnThreshold": 7, "OffThreshold": 8 } },
                    "Bed B": { "X": 0.4, "Y": 0, "Width": 0.6, "Height": 1 }
                  }
                }
              },
              "Alerting": { "OnThreshold": 5, "OffThreshold": 3, "DwellSeconds": -1 }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("Alerting:DwellSeconds:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward-1:Beds:Bed B:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward-1:Beds:", StringComparison.Ordinal) && p.Contains("overlap", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Check_OffThresholdNotBelowOn_NamesTheCameraOrBed()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "ward-1": {
                  "Url": "rtsp://10.0.0.1/s",
                  "Alerting": { "OffThreshold": 6 },
                  "Beds": { "bed-a": { "X": 0, "Y": 0, "Width": 0.5, "Height": 1, "Alerting": { "OnThreshold": 9, "OffThreshold": 9.5 } } }
                },
                "ward-2": { "Url": "rtsp://10.0.0.2/s", "Beds": { "bed-b": { "X": 0, "Y": 0, "Width": 1, "Height": 1, "Alerting": { "OnThreshold": 8 } } } }
              },
              "Alerting": { "OnThreshold": 5, "OffThreshold": 3 }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out _);

        Assert.Contains(problems, p => p.StartsWith("Cameras:ward-1:Alerting: OffThreshold (6) must be less than OnThreshold (5)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward-1:Beds:bed-a:Alerting: OffThreshold (9.5) must be less than OnThreshold (9)", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("ward-2", StringComparison.Ordinal));
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void Check_OverridesOutOfRange_CameraAndBed_ReportedWithTheirFullKeyPaths()
    {
        var configuration = Json("""
            {
              "Cameras": {
                "ward3-room2": {
                  "Url": "rtsp://10.0.0.1/s",
                  "Alerting": { "ReAlertMinutes": 0.01 },
                  "Beds": {
                    "bed-a": { "X": 0, "Y": 0, "Width": 0.5, "Height": 1, "Alerting": { "ReAlertMinutes": 0.01, "MinConfidence": 2 } },
                    "bed-b": { "X": 0.5, "Y": 0, "Width": 0.5, "Height": 1, "Alerting": { "ReAlertMinutes": 30 } }
                  }
                }
              }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        Assert.Single(problems, p => p.StartsWith("Cameras:ward3-room2:Alerting:ReAlertMinutes: ", StringComparison.Ordinal));
        Assert.Single(problems, p => p.StartsWith("Cameras:ward3-room2:Beds:bed-a:Alerting:ReAlertMinutes: ", StringComparison.Ordinal));
        Assert.Single(problems, p => p.StartsWith("Cameras:ward3-room2:Beds:bed-a:Alerting:MinConfidence: ", StringComparison.Ordinal));
        Assert.Equal(3, problems.Count);
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
              "Alarms": { }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("Cameras:bed-1:Fsp: unknown key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Capture:StallTimeoutSecs: unknown key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Alarms: unknown section", StringComparison.Ordinal));
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
