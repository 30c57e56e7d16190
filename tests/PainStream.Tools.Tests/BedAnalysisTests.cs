// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Capture.FFmpeg;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Scoring;
using PainStream.Testing;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Tools.Tests;

/// <summary>
/// Issue 12 item 2 end to end on real components: ffmpeg decodes a four-bed 1920×1080 clip made from a real face, the capture
/// and detect stages run with the real BlazeFace and landmark models, and each bed's face is measured as the scorer sees it.
/// </summary>
public sealed class BedAnalysisTests : IDisposable
{
    private static readonly CameraId Cam = new("w3");
    private readonly TempDirectory _dir = new("painstream-beds-");
    private readonly TestMeterFactory _meters = new();

    public void Dispose()
    {
        _meters.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Capture_FourBedWideCamera_BedsAnalysisReachesTheInterOcularPixelsTheGateNeeds_FrameAnalysisDoesNot()
    {
        Requires.Installed(File.Exists("/usr/bin/ffmpeg") || File.Exists("/usr/local/bin/ffmpeg"), "ffmpeg is not installed");
        var ct = TestContext.Current.CancellationToken;
        var clip = _dir.File("ward4.mp4");
        // 42–48 px between the eyes at 1920×1080: ≈ 14–16 px at the 640×360 whole-frame analysis.
        await WardScene.ComposeAsync(clip, [42, 45, 48, 44], seconds: 3, fps: 5, ct);
        var quality = new FaceQualityOptions();

        var frame = await MeasureAsync(clip, AnalysisMode.Frame, quality, ct);
        var beds = await MeasureAsync(clip, AnalysisMode.Beds, quality, ct);

        Assert.Equal((640, 360), frame.Size);
        Assert.Equal((1920, 1080), beds.Size);
        foreach (var bed in (string[])["b1", "b2", "b3", "b4"])
        {
            // Beds: every patient's face is found in its own bed, scorable, at the scene's size (±15 %) and at the scorer's full-confidence size.
            var best = beds.Best[bed];
            Assert.True(best.Scorable, $"beds: bed {bed}'s face was not scorable ({best.InterOcular:F1} px)");
            Assert.InRange(best.InterOcular, 36, 56);
            Assert.True(best.InterOcular >= new GeometricPspiOptions().FullConfidenceInterOcularPixels, $"beds: bed {bed} {best.InterOcular:F1} px");

            // Frame: the same face never reaches the quality gate's minimum (or is not found at all).
            var reached = frame.Best.TryGetValue(bed, out var small) ? small.InterOcular : 0;
            Assert.True(reached < quality.MinInterOcularPixels, $"frame: bed {bed} reached {reached:F1} px");
        }
    }

    [Fact]
    public async Task ScoreCommand_MeasureBeds_ReportsEachBedsInterOcularPixels_PerMode_FromAFullResolutionStill()
    {
        Requires.Installed(File.Exists("/usr/bin/ffmpeg") || File.Exists("/usr/local/bin/ffmpeg"), "ffmpeg is not installed");
        var ct = TestContext.Current.CancellationToken;
        var clip = _dir.File("ward4.mp4");
        await WardScene.ComposeAsync(clip, [42, 45, 48, 44], seconds: 1, fps: 5, ct);
        var still = _dir.File("still.png");
        using (var ffmpeg = System.Diagnostics.Process.Start("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", clip, "-frames:v", "1", still]))
        {
            await ffmpeg.WaitForExitAsync(ct);
            Assert.Equal(0, ffmpeg.ExitCode);
        }

        var camera = CameraOptionsResolver.Resolve(FourBedCamera(clip, AnalysisMode.Beds), new CaptureOptions(), new DemoOptions { Enabled = false }, _dir.Path)[Cam];
        using var detector = FaceDetectorFactory.Create(new DetectionOptions { Detector = DetectorKind.BlazeFaceBack }, TestPaths.RepoRoot, NullLoggerFactory.Instance);
        var predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(TestPaths.Models));
        var analyzer = new LandmarkFaceAnalyzer(predictor, FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize), () => new FaceQualityOptions());

        var figures = Commands.ScoreCommand.MeasureBeds(still, camera, new CaptureOptions(), detector, analyzer);

        Assert.Equal(8, figures.Count);
        Assert.All(figures, f => Assert.Equal(f.Mode == AnalysisMode.Beds, f.Configured));
        var beds = figures.Where(f => f.Mode == AnalysisMode.Beds).ToList();
        Assert.Equal(["b1", "b2", "b3", "b4"], beds.Select(f => f.Bed));
        Assert.All(beds, f => Assert.Equal((1920, 1080, 960, 540), (f.Width, f.Height, f.Region.Width, f.Region.Height)));
        Assert.All(beds, f => Assert.InRange(f.InterOcularPixels ?? 0, 36, 56));
        Assert.All(beds, f => Assert.Equal(43.2, f.ExpectedInterOcularPixels, 6));
        var frame = figures.Where(f => f.Mode == AnalysisMode.Frame).ToList();
        Assert.All(frame, f => Assert.Equal((640, 360, 320, 180), (f.Width, f.Height, f.Region.Width, f.Region.Height)));
        Assert.All(frame, f => Assert.True((f.InterOcularPixels ?? 0) < 16, $"frame: bed {f.Bed} {f.InterOcularPixels} px"));
    }

    private static CamerasOptions FourBedCamera(string clip, AnalysisMode mode) => new()
    {
        [Cam.Value] = new CameraOptions
        {
            Url = clip,
            Analysis = mode,
            Beds = new Dictionary<string, BedOptions>
            {
                ["b1"] = new() { X = 0, Y = 0, Width = 0.5, Height = 0.5 },
                ["b2"] = new() { X = 0.5, Y = 0, Width = 0.5, Height = 0.5 },
                ["b3"] = new() { X = 0, Y = 0.5, Width = 0.5, Height = 0.5 },
                ["b4"] = new() { X = 0.5, Y = 0.5, Width = 0.5, Height = 0.5 },
            },
        },
    };

    /// <summary>Captures a few frames of <paramref name="clip"/> with ffmpeg and analyses each as the daemon does.</summary>
    private async Task<Measurement> MeasureAsync(string clip, AnalysisMode mode, FaceQualityOptions quality, CancellationToken ct)
    {
        var capture = new CaptureOptions();
        var cameras = CameraOptionsResolver.Resolve(FourBedCamera(clip, mode), capture, new DemoOptions { Enabled = false }, _dir.Path);
        var catalog = new CameraCatalog();
        catalog.Update(cameras);
        var settings = cameras[Cam];
        var pool = new FramePool();
        var registry = new CameraRegistry(new RecordingPublisher(), TimeProvider.System);
        var frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest }, f => f.Dispose());

        // The back-range detector for both modes: the comparison is about pixels, not about which detector sees small faces.
        using var detector = FaceDetectorFactory.Create(new DetectionOptions { Detector = DetectorKind.BlazeFaceBack }, TestPaths.RepoRoot, NullLoggerFactory.Instance);
        var predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(TestPaths.Models));
        var analyzer = new LandmarkFaceAnalyzer(predictor, FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize), () => quality);
        var stage = new DetectStage(detector, catalog, registry, new PipelineMetrics(_meters, registry, pool), NullLogger<DetectStage>.Instance, TimeProvider.System, () => analyzer);
        var observations = Channel.CreateUnbounded<FaceObservation>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var detecting = stage.RunAsync(frames.Reader, observations.Writer, workers: 1, stop.Token);

        var best = new Dictionary<string, BedFace>(StringComparer.Ordinal);
        (int, int) size = default;
        await using (var camera = new CameraCapture(settings, capture, pool, registry, frames.Writer, NullLogger<CameraCapture>.Instance))
        {
            camera.Start();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            for (var i = 0; i < 4; i++)
            {
                var observation = await observations.Reader.ReadAsync(timeout.Token);
                size = (observation.FrameWidth, observation.FrameHeight);
                foreach (var face in observation.Analyses ?? [])
                {
                    var bed = settings.Beds.SingleOrDefault(b => b.Contains(face.Box.Center, observation.FrameWidth, observation.FrameHeight));
                    var proxies = default(AuProxies);
                    if (bed is null || !face.IsPlausibleFace || !AuProxies.TryFromLandmarks(face.Landmarks, out proxies))
                    {
                        continue;
                    }

                    if (!best.TryGetValue(bed.Name, out var known) || proxies.InterOcularPixels > known.InterOcular)
                    {
                        best[bed.Name] = new BedFace(proxies.InterOcularPixels, face.QualityIssue is null);
                    }
                }
            }

            await camera.StopAsync();
        }

        frames.Writer.TryComplete();
        await detecting.WaitAsync(TimeSpan.FromSeconds(30), ct);

        while (frames.Reader.TryRead(out var left))
        {
            left.Dispose();
        }

        Assert.Equal(0, pool.Outstanding);
        return new Measurement(size, best.ToFrozenDictionary());
    }

    private sealed record BedFace(float InterOcular, bool Scorable);

    private sealed record Measurement((int Width, int Height) Size, FrozenDictionary<string, BedFace> Best);
}
