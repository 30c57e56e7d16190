// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Configuration;
using PainStream.Hosting.Configuration;
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
    public void Check_FollowCascadesOutsideTheShapePredictorsCascades_NamesTheKey()
    {
        var problems = ConfigChecker.Check(Json("""{ "Detection": { "FollowCascades": 16 } }"""), out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.Contains("Detection", StringComparison.Ordinal) && p.Contains("FollowCascades", StringComparison.Ordinal));
        Assert.Empty(ConfigChecker.Check(Json("""{ "Detection": { "FollowCascades": 1 } }"""), out _));
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
        var bed = Assert.Single(Core.Options.CameraOptionsResolver.ResolveBeds(settings!.Cameras["nicu"], settings.Alerting));
        Assert.Equal(Core.Cameras.BedMode.Infant, bed.Mode);
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
        var cameras = Core.Options.CameraOptionsResolver.Resolve(settings!.Cameras, settings.Capture, settings.Demo, "/", settings.Alerting, settings.Scoring.Scorer);
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

    [Theory]
    [InlineData("ftp://10.0.0.1/stream", "unsupported URL scheme 'ftp://'")]
    [InlineData("http://10.0.0.1/stream", "unsupported URL scheme 'http://'")]
    [InlineData("rtmp://10.0.0.1/live", "unsupported URL scheme 'rtmp://'")]
    [InlineData("rtsp://", "needs a host")]
    [InlineData("rtsps:///stream1", "needs a host")]
    [InlineData("rtsp://10.0.0.1:99999/s", "needs a host")]
    [InlineData("/nonexistent/ward/bed-3.mp4", "no such file '/nonexistent/ward/bed-3.mp4'")]
    [InlineData("file:/nonexistent/clip.mp4", "no such file '/nonexistent/clip.mp4'")]
    [InlineData("file:///nonexistent/clip.mp4", "no such file '/nonexistent/clip.mp4'")]
    [InlineData("lavfi:", "empty lavfi: filter graph")]
    [InlineData("lavfi:testsrc[out", "'[' without its ']'")]
    [InlineData("lavfi:drawtext=text='unclosed", "unclosed quote")]
    public void CheckSources_BadCameraUrl_IsRefusedWithItsKeyAndReason(string url, string reason)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Cameras:bed-1:Url"] = url, ["Cameras:bed-2:Url"] = "rtsp://10.0.0.2/s" })
            .Build();

        // Start and reload accept it (capture reports that camera offline with the reason, the others run); check-config refuses it.
        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        var problem = Assert.Single(ConfigChecker.CheckSources(settings!, probe: false));
        Assert.StartsWith("Cameras:bed-1:Url: ", problem, StringComparison.Ordinal);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckSources_GoodCameraUrls_ArePassed()
    {
        using var dir = new TempDirectory();
        var clip = Path.Combine(dir.Path, "bed 4.mp4");
        File.WriteAllBytes(clip, [0, 0, 0, 0x18]);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cameras:a:Url"] = "rtsp://user:secret@10.0.0.1:554/stream1",
                ["Cameras:b:Url"] = "rtsps://cam.ward.local/s",
                ["Cameras:c:Url"] = clip,
                ["Cameras:d:Url"] = "file:" + clip,
                ["Cameras:e:Url"] = "lavfi:testsrc2=size=640x360:rate=5,drawtext=text='bed [4]'",
            })
            .Build();

        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        Assert.Empty(ConfigChecker.CheckSources(settings!, probe: false));
    }

    [Fact]
    public void CheckSources_CredentialsInABadUrl_AreNeverEchoed()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cameras:a:Url"] = "http://admin:hunter2@10.0.0.1/s",
                ["Cameras:b:Url"] = "admin:hunter2@10.0.0.1/stream1",
            })
            .Build();

        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        var problems = ConfigChecker.CheckSources(settings!, probe: false);

        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.DoesNotContain("hunter2", p, StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:b:Url: ", StringComparison.Ordinal) && p.Contains("without its rtsp:// scheme", StringComparison.Ordinal));
    }

    [Fact]
    public void CheckSources_LavfiGraphFfmpegCannotOpen_IsReported_AGoodOneIsNot()
    {
        // A real ffmpeg opens each graph (the check-config verb only).
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cameras:good:Url"] = "lavfi:testsrc2=size=320x180:rate=5",
                ["Cameras:typo:Url"] = "lavfi:tetssrc2=size=320x180",
                ["Cameras:badopt:Url"] = "lavfi:testsrc2=sise=320x180",
            })
            .Build();
        Assert.Empty(ConfigChecker.Check(configuration, out var settings));

        Assert.Empty(ConfigChecker.CheckSources(settings!, probe: false));
        var problems = ConfigChecker.CheckSources(settings!, probe: true);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Cameras:typo:Url: ffmpeg cannot open the lavfi graph", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:badopt:Url: ffmpeg cannot open the lavfi graph", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_EveryWrongValueOfEverySection_IsReportedInOneRun()
    {
        // Several values that do not convert in the same sections, beside range violations in those sections: every one is
        // named (before, only the first conversion error of a section was, and its other values were never validated).
        var configuration = Json("""
            {
              "Cameras": { "bed-1": { "Url": "rtsp://10.0.0.1/s", "Fps": "five", "Enabled": "yes" } },
              "Capture": { "Fps": "fast", "Width": "wide", "Height": -5 },
              "Mqtt": { "Port": "x", "EmbeddedPort": 70000, "UseTls": "sometimes" },
              "Detection": { "Detector": "Yolo", "MinScore": "high", "Workers": 0 },
              "Alerting": { "OnThreshold": "4,5", "Dwell": "long" }
            }
            """);

        var problems = ConfigChecker.Check(configuration, out var settings);

        Assert.Null(settings);
        string[] expected =
        [
            "Cameras:bed-1:Fps: 'five' is not valid here: expected a number",
            "Cameras:bed-1:Enabled: 'yes' is not valid here: expected true or false",
            "Capture:Fps: 'fast' is not valid here",
            "Capture:Width: 'wide' is not valid here: expected a whole number",
            "Capture:Height:",
            "Mqtt:Port: 'x' is not valid here",
            "Mqtt:EmbeddedPort:",
            "Mqtt:UseTls: 'sometimes' is not valid here: expected true or false",
            "Detection:Detector: 'Yolo' is not valid here: expected one of ",
            "Detection:MinScore: 'high' is not valid here",
            "Detection:Workers:",
            "Alerting:OnThreshold: '4,5' is not valid here: expected a number (with '.' as the decimal point)",
        ];
        foreach (var start in expected)
        {
            Assert.Contains(problems, p => p.StartsWith(start, StringComparison.Ordinal));
        }

        // Each problem once: no second "Failed to convert" line from the binder for a value already named.
        Assert.DoesNotContain(problems, p => p.Contains("Failed to convert", StringComparison.Ordinal));
        Assert.Equal(problems.Count, problems.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("{\n  \"Capture\": { \"Fps\": 5, }\n  \"Mqtt\": {}\n}", 3, 3)]
    [InlineData("{\n  \"Capture\": { \"Fps\": 5 }\n  \"Mqtt\": {}\n}", 3, 3)]
    [InlineData("{ \"Capture\": { \"Fps\": fivefps } }", 1, 24)]
    public void DescribeLoadFailure_JsonSyntaxError_NamesTheFileLineAndColumn(string json, int line, int column)
    {
        // Line 3 column 3: the '"' of "Mqtt" where a ',' was missing (a trailing comma is allowed by the configuration
        // parser). Line 1 column 24: the 'i' where the parser, reading 'f…', expected the literal false.
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "painstream.json");
        File.WriteAllText(file, json);

        var ex = Assert.ThrowsAny<Exception>(() => new ConfigurationBuilder().AddPainStreamSources(file, reloadOnChange: false).Build());
        var problem = ConfigChecker.DescribeLoadFailure(file, ex);

        TestContext.Current.TestOutputHelper?.WriteLine(problem);
        Assert.StartsWith($"{file}:{line}:{column}: JSON syntax error (line {line}, column {column}): ", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:9464", true)]
    [InlineData("http://10.1.2.3:9464", true)]
    [InlineData("http://*:9464", true)]
    [InlineData("http://[::]:9464", true)]
    [InlineData("http://127.0.0.1:9464", false)]
    [InlineData("http://localhost:9464", false)]
    [InlineData("http://[::1]:9464", false)]
    public void Warnings_HttpBeyondLoopback_IsWarnedAbout(string url, bool warned)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Http:Url"] = url }).Build();

        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        var warnings = ConfigChecker.Warnings(settings!);

        Assert.Equal(warned, warnings.Any(w => w.StartsWith("Http:Url: listens on ", StringComparison.Ordinal) && w.Contains("without authentication", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("0.0.0.0", null, true)]
    [InlineData("10.1.2.3", null, true)]
    [InlineData("0.0.0.0", "/etc/painstream/users", false)]
    [InlineData("127.0.0.1", null, false)]
    [InlineData("localhost", null, false)]
    public void Check_EmbeddedBrokerBeyondLoopback_WithoutPasswordFile_IsRefusedWithItsKey(string address, string? passwordFile, bool refused)
    {
        // The rule the embedded broker refuses to start with (BrokerConfigRules): check-config, start-up and reload report
        // it with its key instead of passing a configuration the daemon would not start with.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:EmbeddedAddress"] = address, ["Mqtt:PasswordFile"] = passwordFile })
            .Build();

        var problems = ConfigChecker.Check(configuration, out var settings);

        if (refused)
        {
            Assert.Null(settings);
            var problem = Assert.Single(problems);
            Assert.StartsWith($"Mqtt:EmbeddedAddress: {address} is beyond loopback: set Mqtt:PasswordFile", problem, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(problems);
        }
    }

    [Fact]
    public void Check_EmbeddedBrokerSettings_AreIgnoredWithAnExternalBroker_ButTlsPortNeedsItsFiles()
    {
        var external = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Host"] = "broker.ward.local", ["Mqtt:EmbeddedAddress"] = "0.0.0.0" })
            .Build();
        Assert.Empty(ConfigChecker.Check(external, out _));

        var tlsWithoutFiles = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:EmbeddedTlsPort"] = "8883", ["Mqtt:EmbeddedAddress"] = "::1" })
            .Build();
        var problems = ConfigChecker.Check(tlsWithoutFiles, out _);
        Assert.Contains(problems, p => p.StartsWith("Mqtt:EmbeddedAddress: '::1' is not an IPv4 address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Mqtt:TlsCertificateFile: required with Mqtt:EmbeddedTlsPort=8883", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Mqtt:TlsKeyFile: required with Mqtt:EmbeddedTlsPort=8883", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckFiles_EmbeddedBroker_MissingUnreadableOrMalformedFiles_NameKeyAndPath()
    {
        using var dir = new TempDirectory();
        var missingUsers = Path.Combine(dir.Path, "no-such-users");
        var keyIsADirectory = Path.Combine(dir.Path, "key-dir");
        Directory.CreateDirectory(keyIsADirectory);
        var plaintext = Path.Combine(dir.Path, "users-plain");
        await File.WriteAllLinesAsync(plaintext, ["anna:hunter2secret"], TestContext.Current.CancellationToken);
        var missingCertificate = Path.Combine(dir.Path, "no-such-cert.pem");

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mqtt:PasswordFile"] = missingUsers,
                ["Mqtt:EmbeddedTlsPort"] = "8883",
                ["Mqtt:TlsCertificateFile"] = missingCertificate,
                ["Mqtt:TlsKeyFile"] = keyIsADirectory,
            })
            .Build();
        Assert.Empty(ConfigChecker.Check(configuration, out var settings));

        var problems = ConfigChecker.CheckFiles(settings!);

        Assert.Equal(3, problems.Count);
        Assert.Contains($"Mqtt:PasswordFile: cannot use {missingUsers}: no such file", problems);
        Assert.Contains($"Mqtt:TlsCertificateFile: cannot read {missingCertificate}: no such file", problems);
        Assert.Contains(problems, p => p.StartsWith($"Mqtt:TlsKeyFile: cannot read {keyIsADirectory}: ", StringComparison.Ordinal));

        // A present certificate with a key path that is a directory: the key is named.
        using var certificates = await TestCertificates.CreateAsync(TestContext.Current.CancellationToken);
        settings!.Mqtt.TlsCertificateFile = certificates.ServerCertificateFile;
        settings.Mqtt.PasswordFile = plaintext;
        problems = ConfigChecker.CheckFiles(settings);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith($"Mqtt:TlsKeyFile: cannot read {keyIsADirectory}: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith($"Mqtt:PasswordFile: cannot use {plaintext}: {plaintext}, line 1: expected 'user:$7$", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("hunter2secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckFiles_GoodBrokerFiles_ArePassed_AndBadTlsFilesOfAnExternalBrokerAreNamed()
    {
        using var dir = new TempDirectory();
        using var certificates = await TestCertificates.CreateAsync(TestContext.Current.CancellationToken);
        var users = Path.Combine(dir.Path, "users");
        await File.WriteAllLinesAsync(users, ["# PainStream users", PasswordEntry("anna")], TestContext.Current.CancellationToken);
        var embedded = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mqtt:EmbeddedAddress"] = "0.0.0.0",
                ["Mqtt:PasswordFile"] = users,
                ["Mqtt:EmbeddedTlsPort"] = "8883",
                ["Mqtt:TlsCertificateFile"] = certificates.ServerCertificateFile,
                ["Mqtt:TlsKeyFile"] = certificates.ServerKeyFile,
            })
            .Build();
        Assert.Empty(ConfigChecker.Check(embedded, out var settings));
        Assert.Empty(ConfigChecker.CheckFiles(settings!));

        var external = new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = "broker.ward.local",
            ["Mqtt:UseTls"] = "true",
            ["Mqtt:CaFile"] = certificates.CaFile,
            ["Mqtt:ClientCertificateFile"] = certificates.ClientCertificateFile,
            ["Mqtt:ClientKeyFile"] = certificates.ClientKeyFile,
            ["Mqtt:PasswordFile"] = Path.Combine(dir.Path, "not used with an external broker"),
        };
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(external).Build(), out settings));
        Assert.Empty(ConfigChecker.CheckFiles(settings!));

        var missingCa = Path.Combine(dir.Path, "no-ca.pem");
        external["Mqtt:CaFile"] = missingCa;
        external["Mqtt:ClientKeyFile"] = users; // not a PEM key
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(external).Build(), out settings));
        var problems = ConfigChecker.CheckFiles(settings!);
        Assert.Equal(2, problems.Count);
        Assert.Contains($"Mqtt:CaFile: cannot read {missingCa}: no such file", problems);
        Assert.Contains(problems, p => p.StartsWith($"Mqtt:ClientCertificateFile: cannot load {certificates.ClientCertificateFile} with Mqtt:ClientKeyFile={users}: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Warnings_BrokerRolesForUsersNotInThePasswordFile_AreWarnedWithTheirKeys()
    {
        using var dir = new TempDirectory();
        var users = Path.Combine(dir.Path, "users");
        File.WriteAllLines(users, [PasswordEntry("anna"), PasswordEntry("carl")]);
        var values = new Dictionary<string, string?> { ["Mqtt:PasswordFile"] = users, ["Mqtt:Nurses"] = "anna, ben", ["Mqtt:Integrators"] = "carl" };
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out var settings));

        var warning = Assert.Single(ConfigChecker.Warnings(settings!));
        Assert.Equal($"Mqtt:Nurses: 'ben' is not in Mqtt:PasswordFile ({users}): nobody can log in as that user", warning);

        values["Mqtt:PasswordFile"] = null;
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out settings));
        var warnings = ConfigChecker.Warnings(settings!);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("Mqtt:Nurses: names 'anna', 'ben' but Mqtt:PasswordFile is empty: nobody can log in with that role", warnings);
        Assert.Contains("Mqtt:Integrators: names 'carl' but Mqtt:PasswordFile is empty: nobody can log in with that role", warnings);

        // An external broker has its own users: nothing to compare with.
        values["Mqtt:Host"] = "broker.ward.local";
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out settings));
        Assert.Empty(ConfigChecker.Warnings(settings!));
    }

    // A password_file line as mosquitto_passwd writes it (PBKDF2-SHA512, "$7$"), made here: the daemon's own writer is internal.
    private static string PasswordEntry(string user)
    {
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(12);
        var hash = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2("a-password"u8, salt, 101, System.Security.Cryptography.HashAlgorithmName.SHA512, 64);
        return $"{user}:$7$101${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    [Fact]
    public void Warnings_FourBedsOfAWideCameraAtFrameAnalysis_AreWarnedWithTheFigure_BedsAnalysisIsNot()
    {
        const string FourBeds = """
            "Beds": {
              "b1": { "X": 0, "Y": 0, "Width": 0.5, "Height": 0.5 }, "b2": { "X": 0.5, "Y": 0, "Width": 0.5, "Height": 0.5 },
              "b3": { "X": 0, "Y": 0.5, "Width": 0.5, "Height": 0.5 }, "b4": { "X": 0.5, "Y": 0.5, "Width": 0.5, "Height": 0.5 } }
            """;
        var configuration = Json("{ \"Cameras\": { \"w3\": { \"Url\": \"rtsp://10.0.0.3/s\", " + FourBeds + " }, "
            + "\"w4\": { \"Url\": \"rtsp://10.0.0.4/s\", \"Analysis\": \"beds\", " + FourBeds + " }, \"single\": { \"Url\": \"rtsp://10.0.0.5/s\" } } }");
        Assert.Empty(ConfigChecker.Check(configuration, out var settings));

        var warnings = ConfigChecker.Warnings(settings!);

        Assert.Equal(["Cameras:w3:Beds:b1", "Cameras:w3:Beds:b2", "Cameras:w3:Beds:b3", "Cameras:w3:Beds:b4"], warnings.Select(w => w[..w.IndexOf(": ", StringComparison.Ordinal)]));
        Assert.StartsWith(
            "Cameras:w3:Beds:b2: region is 320×180 px at 640×360 frame analysis (Capture:Width×Height; the camera's own resolution is not known before ffmpeg opens it); "
            + "a patient's face there gets ≈ 14 px between the eyes (0.045 of the bed's length), below FaceQuality:MinInterOcularPixels 16; set Cameras:w3:Analysis to beds",
            warnings[1],
            StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_BedsAnalysisStillTooSmall_NamesTheBedsSize_AndALowerGateSilencesIt()
    {
        var values = new Dictionary<string, string?>
        {
            ["Cameras:far:Url"] = "rtsp://10.0.0.3/s",
            ["Cameras:far:Analysis"] = "Beds",
            ["Cameras:far:Beds:cot:X"] = "0.9",
            ["Cameras:far:Beds:cot:Width"] = "0.1",
            ["Cameras:far:Beds:cot:Y"] = "0.9",
            ["Cameras:far:Beds:cot:Height"] = "0.1",
            ["Capture:BedsWidth"] = "1280",
            ["Capture:BedsHeight"] = "720",
        };
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out var settings));

        var warning = Assert.Single(ConfigChecker.Warnings(settings!));
        Assert.StartsWith("Cameras:far:Beds:cot: region is 128×72 px at 1280×720 beds analysis (Capture:BedsWidth×BedsHeight;", warning, StringComparison.Ordinal);
        Assert.Contains("≈ 6 px between the eyes", warning, StringComparison.Ordinal);
        Assert.Contains("raise Capture:BedsWidth/BedsHeight", warning, StringComparison.Ordinal);

        values["FaceQuality:MinInterOcularPixels"] = "5";
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out settings));
        Assert.Empty(ConfigChecker.Warnings(settings!));
    }

    [Fact]
    public void Check_BadAnalysisValueOrOddBedsSize_NamesTheKey()
    {
        var values = new Dictionary<string, string?>
        {
            ["Cameras:w3:Url"] = "rtsp://10.0.0.3/s",
            ["Cameras:w3:Analysis"] = "tiles",
            ["Capture:BedsWidth"] = "1919",
        };

        var problems = ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("Cameras:w3:Analysis: 'tiles' is not valid here", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("BedsWidth and BedsHeight must be even", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_PixelFormat_UnknownValueOrI420WithAnOddSize_NamesTheKey()
    {
        var values = new Dictionary<string, string?> { ["Cameras:w3:Url"] = "rtsp://10.0.0.3/s", ["Capture:PixelFormat"] = "nv12" };
        var problems = ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out var settings);
        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("Capture:PixelFormat", StringComparison.Ordinal) && p.Contains("I420", StringComparison.Ordinal));

        values["Capture:PixelFormat"] = "i420";
        Assert.Empty(ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out settings));
        Assert.Equal(Core.Frames.FramePixelFormat.I420, settings!.Capture.PixelFormat);

        values["Capture:Width"] = "639";
        problems = ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), out settings);
        Assert.Null(settings);
        Assert.Contains(problems, p => p.Contains("Capture:Width", StringComparison.Ordinal) && p.Contains("i420", StringComparison.Ordinal));
    }

    private static IConfigurationRoot Json(string json)
    {
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }
}
