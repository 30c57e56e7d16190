// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Testing;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;
using PainStream.Tools.Synthesis;
using PainStream.Vision.Tests.Alignment;
using PainStream.Vision.Tests.Synthesis;

namespace PainStream.Vision.Tests.Analysis;

/// <summary>
/// Issue 13 item 3, "a face must be a face": frames that a real ffmpeg makes at test time from <c>lavfi</c> sources go through
/// the real BlazeFace detector, the real landmark model and the analyser; none may come out scorable. Real faces still do.
/// </summary>
public sealed class FacePlausibilityTests : IClassFixture<FacePlausibilityTests.Models>
{
    private readonly Models _models;

    public FacePlausibilityTests(Models models) => _models = models;

    /// <summary>
    /// Non-face sources. The detector runs at score 0.5, below the daemon's default 0.6, so that more non-faces reach the
    /// check than in production. <c>minDetections</c>: the fractals must produce detections, or the test would prove nothing.
    /// </summary>
    [Theory]
    [InlineData("mandelbrot=s=640x360:rate=1", 200, 10)]
    [InlineData("mandelbrot=s=1280x720:rate=2", 200, 10)]
    [InlineData("mandelbrot=s=640x360:rate=1:start_x=-0.743643887037151:start_y=0.13182590420533:end_scale=0.00001", 200, 1)]
    [InlineData("nullsrc=s=640x360,geq=random(1)*255:random(2)*255:random(3)*255", 60, 0)]
    [InlineData("color=c=gray:s=640x360,noise=alls=100:allf=t+u", 60, 0)]
    [InlineData("testsrc=s=640x360", 30, 0)]
    [InlineData("testsrc2=s=640x360", 30, 0)]
    [InlineData("smptebars=s=640x360", 10, 0)]
    [InlineData("rgbtestsrc=s=640x360", 10, 0)]
    [InlineData("cellauto=s=640x360", 60, 0)]
    [InlineData("life=s=640x360:mold=10:ratio=0.5", 60, 0)]
    [InlineData("sierpinski=s=640x360", 30, 0)]
    public async Task LavfiSource_NoDetectionIsAcceptedAsAFace(string graph, int frames, int minDetections)
    {
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions());
        int detections = 0, accepted = 0, notAFace = 0;

        var read = await FfmpegFrames.ReadAsync($"-f lavfi -i {graph}", frames, 640, 360, frame =>
        {
            var faces = _models.Detector.Detect(frame.View);
            foreach (var analysis in analyzer.Analyze(frame.View, faces))
            {
                detections++;
                accepted += analysis.QualityIssue is null ? 1 : 0;
                notAFace += analysis.IsPlausibleFace ? 0 : 1;
            }
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"{graph}: {read} frames, {detections} detections, {notAFace} not a face, {accepted} accepted");
        Assert.Equal(frames, read);
        Assert.True(detections >= minDetections, $"only {detections} detections: the check was not exercised");
        Assert.Equal(0, accepted);
    }

    [Fact]
    public async Task DemoClip_AtLeast99PercentOfTheRealFacesAreKept()
    {
        // data/demo/demo.mp4: the astronaut's real face, neutral and grimacing (set-up builds it).
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions());
        int detections = 0, plausible = 0;

        await FfmpegFrames.ReadAsync($"-i {Path.Combine(TestPaths.RepoRoot, "data", "demo", "demo.mp4")}", 150, 640, 360, frame =>
        {
            foreach (var analysis in analyzer.Analyze(frame.View, _models.Detector.Detect(frame.View)))
            {
                detections++;
                plausible += analysis.IsPlausibleFace ? 1 : 0;
            }
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"demo.mp4: {plausible} of {detections} detections plausible");
        Assert.True(detections >= 140, $"{detections} detections in 150 frames");
        Assert.True(plausible >= 0.99 * detections, $"{plausible} of {detections} kept");
    }

    [Theory]
    [InlineData("astronaut")]
    [InlineData("messi5x3")]
    [InlineData("megamind#200")]
    public void FixtureFaces_NeutralAndEveryGrimace_AreFacesAndScorable(string name)
    {
        var face = GrimaceFaces.Get(name);
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions());
        var plausibility = new FacePlausibility(AlignmentFaces.Template112);
        GrimaceShape[] shapes = [GrimaceShape.Neutral, GrimaceShape.FullGrimace, new(0, 0, 0, 1), new(0, 0, 0, 0, 1), new(1, 1, 1, 1, 1)];

        foreach (var shape in shapes)
        {
            var image = GrimaceFaces.Warp(face, shape);
            var detected = _models.Back.Detect(image.View).Where(f => f.Score >= 0.6f).MaxBy(f => f.Box.IntersectionOverUnion(face.Box));
            Assert.NotNull(detected);
            var analysis = Assert.Single(analyzer.Analyze(image.View, [detected]));
            var measured = plausibility.Evaluate(analysis.Landmarks, detected);

            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {shape}: {measured}, quality {analysis.QualityIssue ?? "ok"}"));
            Assert.True(measured.IsFace, $"{name} {shape}: {measured}");
            Assert.Null(analysis.QualityIssue);
        }
    }

    [Fact]
    public void Evaluate_KeypointsOfAnotherPlace_IsNotAFace()
    {
        // The astronaut's landmarks with the detector's keypoints shifted by one eye distance: the two models disagree.
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautBlaze);
        var detected = _models.Detector.Detect(face.Image.View).MaxBy(f => f.Score)!;
        var plausibility = new FacePlausibility(AlignmentFaces.Template112);
        var eyes = Face68.Distance(Face68.RightEyeCentre(face.Landmarks), Face68.LeftEyeCentre(face.Landmarks));
        var shifted = detected with { Keypoints = detected.Keypoints.Select(p => new PointF(p.X + eyes, p.Y)).ToArray() };

        var real = plausibility.Evaluate(face.Landmarks, detected);
        var moved = plausibility.Evaluate(face.Landmarks, shifted);

        Assert.True(real.IsFace, real.ToString());
        Assert.True(real.KeypointDisagreement < 0.2f, real.ToString());
        Assert.False(moved.IsFace, moved.ToString());
        Assert.True(moved.KeypointDisagreement > 0.9f, moved.ToString());
    }

    [Fact]
    public void Evaluate_LowDetectorScore_AllowsLessDisagreement()
    {
        Assert.Equal(0.35f, FacePlausibility.KeypointLimit(0.6f), 1e-5f);
        Assert.Equal(0.70f, FacePlausibility.KeypointLimit(0.95f), 1e-5f);
        Assert.True(FacePlausibility.KeypointLimit(0.5f) < FacePlausibility.KeypointLimit(0.6f));
    }

    [Fact]
    public void ShapeResidual_MeanShapeIsZero_ScrambledPointsAreFar()
    {
        var plausibility = new FacePlausibility(AlignmentFaces.Template112);
        var mean = AlignmentFaces.Template112.Points.ToArray();
        var scrambled = mean.Select((p, i) => mean[(i * 7) % 68]).ToArray();

        Assert.True(plausibility.ShapeResidual(mean) < 1e-4f);
        Assert.True(plausibility.ShapeResidual(scrambled) > FacePlausibility.MaxShapeResidual);
        Assert.Equal(float.PositiveInfinity, plausibility.ShapeResidual(Enumerable.Repeat(new PointF(3, 3), 68).ToArray()));
    }

    /// <summary>
    /// The measurement behind the limits (explicit: run it with <c>--filter-method "*Measure*"</c> and PS_SOURCES, a
    /// semicolon-separated list of lavfi graphs or <c>file:PATH</c>; it prints one line per detection for the README's figures).
    /// </summary>
    [Fact(Explicit = true)]
    public async Task MeasurePlausibility()
    {
        var sources = (Environment.GetEnvironmentVariable("PS_SOURCES") ?? "mandelbrot=s=640x360:rate=1").Split(';');
        var frames = int.Parse(Environment.GetEnvironmentVariable("PS_FRAMES") ?? "400", CultureInfo.InvariantCulture);
        var plausibility = new FacePlausibility(AlignmentFaces.Template112);
        var gate = new FaceQualityGate(new FaceQualityOptions());
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var pose = new HeadPoseEstimator();
        var landmarks = new PointF[68];
        foreach (var source in sources)
        {
            var input = source.StartsWith("file:", StringComparison.Ordinal) ? "-i " + source[5..] : "-f lavfi -i " + source;
            int n = 0, accepted = 0, detections = 0;
            await FfmpegFrames.ReadAsync(input, frames, 640, 360, frame =>
            {
                n++;
                foreach (var face in _models.Detector.Detect(frame.View))
                {
                    AlignmentFaces.Predictor.Predict(frame.View, face.Box, landmarks);
                    var r = plausibility.Evaluate(landmarks, face);
                    HeadPoseEstimate? p = pose.TryEstimate(landmarks, frame.Width, frame.Height, out var e) ? e : null;
                    var q = gate.Evaluate(aligner.Align(frame.View, landmarks), p);
                    detections++;
                    accepted += r.IsFace && q.IsOk ? 1 : 0;
                    TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DET\t{source}\t{n}\t{face.Score:F3}\t{r.ShapeResidual:F3}\t{r.KeypointDisagreement:F3}\t{r.IsFace}\t{q.Reason ?? "ok"}"));
                }
            });
            TestContext.Current.TestOutputHelper?.WriteLine($"SOURCE\t{source}\t{n} frames\t{detections} detections\t{accepted} accepted (face and gate)");
        }
    }

    /// <summary>BlazeFace front (the daemon's default) and back (small faces in big fixture images) on CPU at score 0.5.</summary>
    public sealed class Models : IDisposable
    {
        public Models()
        {
            var options = new DetectionOptions { ExecutionProvider = ExecutionProviderKind.Cpu, MinScore = 0.5 };
            Detector = new BlazeFaceDetector(BlazeFaceModel.Front, TestPaths.Models, options, NullLogger.Instance);
            Back = new BlazeFaceDetector(BlazeFaceModel.Back, TestPaths.Models, options, NullLogger.Instance);
        }

        public BlazeFaceDetector Detector { get; }

        public BlazeFaceDetector Back { get; }

        public void Dispose()
        {
            Detector.Dispose();
            Back.Dispose();
        }
    }
}
