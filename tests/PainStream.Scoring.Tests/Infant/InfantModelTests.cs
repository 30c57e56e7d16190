// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Inference.Onnx;
using PainStream.Scoring.Onnx;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Infant;

public sealed class InfantModelTests(InfantKit kit) : IClassFixture<InfantKit>
{
    [Fact]
    public async Task Predict_KitTrainedModel_EqualsTheKitsPyTorchOutputWithin1e4()
    {
        using var model = InfantFlaccModel.Load(kit.ModelPath);
        var random = new Random(3);
        var rows = new float[40][];
        for (var i = 0; i < rows.Length; i++)
        {
            // Corners of the input box too: all zero, all five, and single AUs at five.
            rows[i] = i switch
            {
                0 => new float[7],
                1 => [5, 5, 5, 5, 5, 5, 5],
                < 9 => [.. Enumerable.Range(0, 7).Select(k => k == i - 2 ? 5f : 0f)],
                _ => [.. Enumerable.Range(0, 7).Select(_ => 5 * random.NextSingle())],
            };
        }

        var expected = await kit.TorchPredictAsync(rows);
        var batch = new float[rows.Length];
        model.Predict(rows.SelectMany(r => r).ToArray(), rows.Length, batch);
        var worst = 0.0;
        for (var i = 0; i < rows.Length; i++)
        {
            var single = model.Predict(rows[i]);
            worst = Math.Max(worst, Math.Max(Math.Abs(single - expected[i]), Math.Abs(batch[i] - expected[i])));
            Assert.Equal(expected[i], single, 1e-4);
            Assert.Equal(expected[i], batch[i], 1e-4);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"max |C# − PyTorch| over {rows.Length} rows: {worst:E2}; range {expected.Min():F3}–{expected.Max():F3}");
        Assert.True(expected.Max() - expected.Min() > 2, "the trained model should not be constant");
        Assert.All(expected, v => Assert.InRange(v, 0, 10));
    }

    [Fact]
    public void Load_WithTheSessionHomesCreator_HonoursScoringExecutionProvider()
    {
        // The daemon loads the infant model through OnnxSessionFactory.Creator, as the pain CNNs (issue 15, item 4).
        using var cpu = InfantFlaccModel.Load(kit.ModelPath, OnnxSessionFactory.Creator(ExecutionProviderKind.Cpu, 1, NullLogger.Instance, "Scoring:ExecutionProvider"));
        Assert.Equal(OnnxSessionFactory.CpuProviderName, cpu.ExecutionProvider);

        using var auto = InfantFlaccModel.Load(kit.ModelPath, OnnxSessionFactory.Creator(ExecutionProviderKind.Auto, 1, NullLogger.Instance, "Scoring:ExecutionProvider"));
        Assert.Equal(OnnxSessionFactory.IsCudaUsable() ? OnnxSessionFactory.CudaProviderName : OnnxSessionFactory.CpuProviderName, auto.ExecutionProvider);

        if (!OnnxSessionFactory.IsCudaUsable())
        {
            // Cuda required where it cannot load: the setting's key is named, not a silent CPU fallback.
            var ex = Assert.Throws<ModelFileException>(
                () => InfantFlaccModel.Load(kit.ModelPath, OnnxSessionFactory.Creator(ExecutionProviderKind.Cuda, 1, NullLogger.Instance, "Scoring:ExecutionProvider")));
            Assert.Contains("Scoring:ExecutionProvider=Cuda", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_KitManifest_ReadsTheInfantContract()
    {
        using var model = InfantFlaccModel.Load(kit.ModelPath);

        Assert.Equal(ModelManifest.InfantFlaccTask, model.Manifest.Task);
        Assert.Equal(ModelManifest.InfantAus, model.Manifest.Input!.Aus);
        Assert.Equal("infant-test", model.Name);
    }

    [Theory]
    [InlineData("task", "\"pain-classes\"", "task:")]
    [InlineData("aus", "[\"AU25\",\"AU27\",\"AU10\",\"AU12\",\"AU9\",\"AU6\",\"AU20\"]", "input.aus:")]
    [InlineData("channels", "6", "input.channels:")]
    [InlineData("kind", "\"logits\"", "output.kind:")]
    public void Load_ManifestBreakingTheInfantContract_NamesTheManifestAndTheField(string field, string value, string expected)
    {
        using var dir = CopyModel();
        var manifestPath = ModelManifest.PathFor(dir.File("m.onnx"));
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        switch (field)
        {
            case "task": json["task"] = JsonNode.Parse(value); break;
            case "aus": json["input"]!["aus"] = JsonNode.Parse(value); break;
            case "channels": json["input"]!["channels"] = JsonNode.Parse(value); break;
            default: json["output"]!["kind"] = JsonNode.Parse(value); break;
        }

        File.WriteAllText(manifestPath, json.ToJsonString());

        var ex = Assert.Throws<ModelContractException>(() => InfantFlaccModel.Load(dir.File("m.onnx")));
        Assert.Contains(manifestPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptOrMissingFile_FailsWithItsPath()
    {
        using var dir = CopyModel();
        var path = dir.File("m.onnx");
        File.AppendAllText(path, "x");
        var corrupt = Assert.Throws<ModelContractException>(() => InfantFlaccModel.Load(path));
        Assert.Contains(path, corrupt.Message, StringComparison.Ordinal);
        Assert.Contains("sha256:", corrupt.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<ModelContractException>(() => InfantFlaccModel.Load(dir.File("none.onnx")));
        Assert.Contains(dir.File("none.onnx"), missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnnxModel_RefusesAnInfantModelAsAPainClassifier_NamingTheTask()
    {
        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(kit.ModelPath));

        Assert.Contains("task: 'infant-flacc'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatientStage_InfantBed_ScoresOnTheFlaccScaleAndAlertsWithItsThresholds()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        using var meters = new TestMeterFactory();
        using var model = InfantFlaccModel.Load(kit.ModelPath);
        var camera = new CameraId("nicu");

        // The configuration path: Mode = infant through CameraCatalog, thresholds from Alerting:Infant.
        var alerting = new AlertingOptions { DwellSeconds = 2, HoldSeconds = 2, SmoothingWindowSeconds = 1, SmoothingTimeConstantSeconds = 0 };
        var cameras = new CamerasOptions
        {
            ["nicu"] = new CameraOptions { Url = "lavfi:x", Beds = new() { ["cot"] = new BedOptions { Mode = "infant" } } },
        };
        var catalog = new CameraCatalog();
        catalog.Update(CameraOptionsResolver.Resolve(cameras, new CaptureOptions { Width = 512, Height = 512 }, new DemoOptions(), "/", alerting));
        var bed = Assert.Single(catalog.Current[camera].Beds);
        Assert.Equal(ScoreScale.Flacc, bed.Policy.Scale);
        Assert.Equal(4, bed.Policy.OnThreshold);

        var scoring = new ScoringOptions { BaselineMinSeconds = 1, BaselineSampleSeconds = 0.2, BaselineWindowSeconds = 10 };
        var geometric = new GeometricPatientScorerFactory(new GeometricPspiScorer(), scoring);
        var selector = new ScorerSelector(
            geometric,
            c => catalog.Current.TryGetValue(c, out var s) ? s.Scorer : null,
            new HashSet<string>(),
            new InfantPatientScorerFactory(geometric, model),
            (c, b) => catalog.Current.TryGetValue(c, out var s) && s.Beds.Any(x => x.Mode == BedMode.Infant && x.Name == b));
        var registry = new CameraRegistry(new RecordingPublisher(), time);
        registry.SetOnline(camera);
        var alerts = new RecordingAlertPublisher();
        using var stage = new PatientStage(
            selector, alerts, catalog, registry, new PipelineMetrics(meters, registry, new FramePool()), new LargestFaceBedAssigner(),
            () => TimeSpan.FromMilliseconds(100), NullLogger<PatientStage>.Instance, time);

        // Five seconds of a calm face (the baseline), then a crying face until the episode is raised.
        for (var i = 0; i < 25; i++)
        {
            await stage.StepAsync(Observation(camera, time.GetUtcNow(), RealFaces.Astronaut), ct);
            time.Advance(TimeSpan.FromMilliseconds(200));
        }

        var calm = alerts.Scores.Last();
        for (var i = 0; i < 25; i++)
        {
            await stage.StepAsync(Observation(camera, time.GetUtcNow(), InfantFaces.Cry(RealFaces.Astronaut)), ct);
            time.Advance(TimeSpan.FromMilliseconds(200));
        }

        var crying = alerts.Scores.Last();
        TestContext.Current.TestOutputHelper?.WriteLine($"calm {calm}; crying {crying}");
        Assert.Equal(ScoreScale.Flacc, calm.Scale);
        Assert.Equal("ok", calm.Quality);
        Assert.InRange(calm.Pspi!.Value, 0, 1.5);
        Assert.Equal(ScoreScale.Flacc, crying.Scale);
        Assert.StartsWith(InfantPatientScorer.NamePrefix, crying.Scorer, StringComparison.Ordinal);
        Assert.InRange(crying.Pspi!.Value, 4, 10);

        var alert = Assert.Single(alerts.Alerts, a => a.Reason == AlertReason.Pain);
        Assert.Equal(AlertEventType.New, alert.Type);
        Assert.Equal(ScoreScale.Flacc, alert.Scale);
        Assert.InRange(alert.Score!.Value, 4, 10);
        Assert.Equal(["au12", "au20", "au25", "au27", "au6_7", "au9_10"], alert.Explanation!.Keys.Order(StringComparer.Ordinal));
        Assert.True(alert.Explanation["au27"] > 0 && alert.Explanation["au25"] > 0, string.Join(", ", alert.Explanation));
    }

    private static FaceObservation Observation(CameraId camera, DateTimeOffset capturedAt, PointF[] landmarks)
    {
        var face = new FaceAnalysis(RealFaces.AstronautBox, 0.9f, landmarks, new FacePose(0, 0, 0), null);
        return new FaceObservation(camera, 1, capturedAt, 0, 512, 512, [new DetectedFace(face.Box, face.DetectorScore, [])], TimeSpan.Zero, "fake")
        {
            Analyses = [face],
        };
    }

    private TempDirectory CopyModel()
    {
        var dir = new TempDirectory();
        File.Copy(kit.ModelPath, dir.File("m.onnx"));
        File.Copy(ModelManifest.PathFor(kit.ModelPath), ModelManifest.PathFor(dir.File("m.onnx")));
        return dir;
    }
}
