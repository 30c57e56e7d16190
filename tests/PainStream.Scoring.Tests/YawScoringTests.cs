// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Testing;
using PainStream.Vision.Alignment;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;
using PainStream.Tools.Synthesis;

namespace PainStream.Scoring.Tests;

/// <summary>One face turned by one yaw, neutral or grimacing, measured end to end.</summary>
/// <param name="Face">The fixture.</param>
/// <param name="Yaw">The turn applied by the warp (<see cref="GrimaceShape.YawDegrees"/>).</param>
/// <param name="Grimace">Whether the full grimace was applied too.</param>
/// <param name="Proxies">The proxies of the re-detected, re-predicted face.</param>
/// <param name="Pose">The head pose estimated from those landmarks, or <see langword="null"/> when it failed.</param>
public sealed record YawSample(string Face, float Yaw, bool Grimace, AuProxies Proxies, HeadPose? Pose);

/// <summary>
/// Real fixture faces turned by the demo warper (<see cref="HeadTurn"/>, a cylinder approximation) at 0°, ±15°, ±25°, ±30°,
/// neutral and with the full grimace (brow lowered, eyes narrowed, upper lip raised), then re-detected (BlazeFace back),
/// re-predicted (68 landmarks, averaged over box jitter as in <see cref="GrimaceLadderFixture"/>) and their pose estimated.
/// The unturned neutral face is the baseline, as a patient's baseline is learnt while lying still.
/// </summary>
public sealed class YawFixture
{
    /// <summary>The yaws measured.</summary>
    public static readonly float[] Yaws = [-30f, -25f, -15f, 0f, 15f, 25f, 30f];

    /// <summary>The faces measured.</summary>
    public static readonly string[] Faces = ["astronaut", "messi5x3", "megamind#160"];

    private readonly List<YawSample> _samples = [];

    public YawFixture()
    {
        var predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(TestPaths.Models));
        using var detector = new BlazeFaceDetector(BlazeFaceModel.Back, TestPaths.Models, new DetectionOptions { ExecutionProvider = ExecutionProviderKind.Cpu }, NullLogger.Instance);
        var estimator = new HeadPoseEstimator();
        var m = RealFaces.MessiBox;
        const int MessiUpscale = GrimaceLadderFixture.MessiUpscale;
        foreach (var (name, image, near) in new[]
        {
            ("astronaut", FixtureImage.Load(TestPaths.Fixture("astronaut.png"), 1), RealFaces.AstronautBox),
            ("messi5x3", FixtureImage.Load(TestPaths.Fixture("messi5.jpg"), MessiUpscale), new BoxF(m.X * MessiUpscale, m.Y * MessiUpscale, m.Width * MessiUpscale, m.Height * MessiUpscale)),
            ("megamind#160", MegamindFrame(160), (BoxF?)null),
        })
        {
            var box = Detect(detector, image, near);
            var neutral = JitteredLandmarks.Predict(predictor, image.View, box);
            foreach (var grimace in new[] { false, true })
            {
                foreach (var yaw in Yaws)
                {
                    var shape = (grimace ? GrimaceShape.FullGrimace : GrimaceShape.Neutral) with { YawDegrees = yaw };
                    var warped = new FixtureImage(new byte[image.Pixels.Length], image.Width, image.Height);
                    GrimaceWarper.Apply(image.View, neutral, shape, warped.Pixels, warped.Width * 3);
                    // A turned face that BlazeFace misses (messi at some angles) keeps the unturned box: the landmark
                    // model needs only roughly where the face is, and the table is about the proxies, not the detector.
                    var again = TryDetect(detector, warped, box) ?? box;
                    var landmarks = JitteredLandmarks.Predict(predictor, warped.View, again);
                    HeadPose? pose = estimator.TryEstimate(landmarks, image.Width, image.Height, out var p) ? new HeadPose(p.YawDegrees, p.PitchDegrees) : null;
                    _samples.Add(new YawSample(name, yaw, grimace, AuProxies.FromLandmarks(landmarks), pose));
                }
            }
        }
    }

    /// <summary>Gets one measurement.</summary>
    public YawSample this[string face, float yaw, bool grimace] => _samples.Single(s => s.Face == face && s.Yaw == yaw && s.Grimace == grimace);

    /// <summary>Gets a face's baseline: its unturned neutral measurement.</summary>
    public YawSample Baseline(string face) => this[face, 0, false];

    /// <summary>The detected face overlapping <paramref name="near"/> most (the largest when none is given), as an integer box.</summary>
    private static BoxF Detect(BlazeFaceDetector detector, FixtureImage image, BoxF? near)
    {
        var faces = detector.Detect(image.View).Where(f => f.Score >= 0.6f).ToList();
        var face = near is { } n ? faces.MaxBy(f => f.Box.IntersectionOverUnion(n)) : faces.MaxBy(f => f.Box.Area);
        Assert.True(face is not null && (near is null || face.Box.IntersectionOverUnion(near.Value) > 0.3f), $"BlazeFace found no face near {near}");
        var b = face.Box;
        return new BoxF(MathF.Round(b.X), MathF.Round(b.Y), MathF.Round(b.Width), MathF.Round(b.Height));
    }

    private static BoxF? TryDetect(BlazeFaceDetector detector, FixtureImage image, BoxF near)
    {
        var face = detector.Detect(image.View).Where(f => f.Score >= 0.6f).MaxBy(f => f.Box.IntersectionOverUnion(near));
        if (face is null || face.Box.IntersectionOverUnion(near) <= 0.3f)
        {
            return null;
        }

        var b = face.Box;
        return new BoxF(MathF.Round(b.X), MathF.Round(b.Y), MathF.Round(b.Width), MathF.Round(b.Height));
    }

    private static FixtureImage MegamindFrame(int frame)
    {
        var png = Path.Combine(Path.GetTempPath(), $"painstream-yaw-megamind-{Environment.ProcessId}-{frame}.png");
        try
        {
            var start = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var arg in new[] { "-nostdin", "-loglevel", "error", "-y", "-i", TestPaths.Fixture("Megamind.avi"), "-vf", $"select=eq(n\\,{frame})", "-fps_mode", "passthrough", "-frames:v", "1", png })
            {
                start.ArgumentList.Add(arg);
            }

            using (var ffmpeg = Process.Start(start) ?? throw new InvalidOperationException("Could not start ffmpeg."))
            {
                var stderr = ffmpeg.StandardError.ReadToEnd();
                ffmpeg.WaitForExit();
                Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg could not extract frame {frame} of Megamind.avi: {stderr}");
            }

            return FixtureImage.Load(png, 1);
        }
        finally
        {
            File.Delete(png);
        }
    }
}

/// <summary>
/// Issue 12 item 5: a patient lying with the head turned 20–30° is scored as when frontal. The scorer corrects the proxies
/// for the estimated yaw (<see cref="AuProxies.CorrectedForYaw"/>) before learning and scoring them.
/// </summary>
public sealed class YawScoringTests(YawFixture samples) : IClassFixture<YawFixture>
{
    /// <summary>
    /// Every face × every yaw that stands for a real head: messi5.jpg already looks 21° to the image's right, so for him
    /// only turns back towards the camera (yaw ≥ 0) are included (the warp's −15° to −30° on top of his own turn go beyond
    /// what the cylinder approximation stands for, −44° estimated). The table test still prints those rows.
    /// </summary>
    public static TheoryData<string, float> Cases
    {
        get
        {
            var data = new TheoryData<string, float>();
            foreach (var face in YawFixture.Faces)
            {
                foreach (var yaw in YawFixture.Yaws)
                {
                    if (face != "messi5x3" || yaw >= 0)
                    {
                        data.Add(face, yaw);
                    }
                }
            }

            return data;
        }
    }

    [Fact]
    public void Table_BeforeAndAfterTheYawCorrection()
    {
        // The measurement behind the tolerances below, printed for the note; asserts only that every face was measured.
        var text = new StringBuilder();
        text.AppendLine("face          yaw  | estimated yaw | neutral PSPI (AU4/AU6-7/AU9-10/AU43) before → after | grimace PSPI before → after");
        foreach (var face in YawFixture.Faces)
        {
            foreach (var yaw in YawFixture.Yaws)
            {
                var neutral = samples[face, yaw, false];
                var grimace = samples[face, yaw, true];
                text.AppendLine(CultureInfo.InvariantCulture, $"{face,-12} {yaw,5:F0} | {Yaw(neutral),6} {Yaw(grimace),6} | {Describe(Before(neutral)),6} → {Describe(After(neutral)),6} | {Describe(Before(grimace)),6} → {Describe(After(grimace)),6}");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(text.ToString());
        Assert.All(YawFixture.Faces, face => Assert.True(samples.Baseline(face).Proxies.IsValid));
    }

    /// <summary>
    /// A neutral face stays below the alert threshold (4) at every turn, after the correction. Measured (2026-12-06): at most
    /// 0.04 (astronaut), 0.83 (megamind#160), 2.56 (messi5x3 at +30°; 4.92 before the correction). messi5.jpg already
    /// looks 21° to the image's right: only turns back towards the camera (positive yaws) are real for him; the warp's
    /// −15° to −30° on top of his own turn go beyond what the cylinder approximation stands for (−44° estimated).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void NeutralFace_StaysBelowTheAlertThreshold_AcrossTheYawRange(string face, float yaw)
    {
        var after = After(samples[face, yaw, false]);

        Assert.True(after.IsScorable, $"{face} at {yaw}°: {after.CannotScoreReason}");
        Assert.True(after.Pspi < 4, $"{face} neutral at {yaw}°: PSPI {after.Pspi:F2}");
    }

    /// <summary>
    /// The full grimace stays above the alert threshold (4) at every turn on the astronaut (measured after the correction:
    /// 4.96 at −30°, 5.29 at +25°, 7.71 frontal; before it 3.62 at −30° and 4.41 at +25°), and the correction never lowers a
    /// grimace's score on the faces whose baseline is frontal.
    /// </summary>
    [Theory]
    [InlineData(-30f)]
    [InlineData(-25f)]
    [InlineData(-15f)]
    [InlineData(0f)]
    [InlineData(15f)]
    [InlineData(25f)]
    [InlineData(30f)]
    public void Grimace_StaysAboveTheAlertThreshold_AcrossTheYawRange(float yaw)
    {
        var after = After(samples["astronaut", yaw, true]);

        Assert.True(after.IsScorable, after.CannotScoreReason);
        Assert.True(after.Pspi >= 4, $"astronaut grimace at {yaw}°: PSPI {after.Pspi:F2}");
        foreach (var face in new[] { "astronaut", "megamind#160" })
        {
            var grimace = samples[face, yaw, true];
            Assert.True(After(grimace).Pspi >= Before(grimace).Pspi - 1e-3f, $"{face} at {yaw}°: {After(grimace).Pspi:F2} after, {Before(grimace).Pspi:F2} before");
        }
    }

    /// <summary>The estimated yaw follows the warp's turn (same sign, growing with it), so the correction sees the turn.</summary>
    [Theory]
    [InlineData("astronaut")]
    [InlineData("megamind#160")]
    public void EstimatedYaw_FollowsTheTurn(string face)
    {
        var yaws = YawFixture.Yaws.Select(y => samples[face, y, false].Pose!.Value.YawDegrees).ToArray();

        Assert.Equal(yaws.Order(), yaws);
        Assert.True(yaws[0] < -15 && yaws[^1] > 15, string.Join(", ", yaws));
    }

    private PspiEstimate Before(YawSample sample)
    {
        var baseline = samples.Baseline(sample.Face);
        return new GeometricPspiScorer().Score(sample.Proxies, new NeutralBaseline(baseline.Proxies), sample.Pose);
    }

    private PspiEstimate After(YawSample sample)
    {
        var baseline = samples.Baseline(sample.Face);
        return new GeometricPspiScorer().Score(
            sample.Proxies.CorrectedForYaw(sample.Pose?.YawDegrees ?? 0),
            new NeutralBaseline(baseline.Proxies.CorrectedForYaw(baseline.Pose?.YawDegrees ?? 0)),
            sample.Pose);
    }

    private static string Yaw(YawSample sample) => sample.Pose is { } p ? p.YawDegrees.ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string Describe(PspiEstimate estimate) =>
        estimate.IsScorable
            ? string.Create(CultureInfo.InvariantCulture, $"{estimate.Pspi:F2} ({estimate.Au4:F1}/{estimate.Au6Or7:F1}/{estimate.Au9Or10:F1}/{estimate.Au43:F1})")
            : "refused";
}

/// <summary><see cref="AuProxies.CorrectedForYaw"/> and its use by <see cref="GeometricPatientScorer"/>, on exact geometry.</summary>
public sealed class YawCorrectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public void CorrectedForYaw_ScalesHeightsByCosine_AndLeavesWidthRatiosAlone()
    {
        var p = AuProxies.FromLandmarks(RealFaces.Astronaut);
        var c = MathF.Cos(25 * MathF.PI / 180);

        var q = p.CorrectedForYaw(-25);

        Assert.Equal(q, p.CorrectedForYaw(25));
        Assert.Equal(p.LidAperture * c, q.LidAperture, 1e-6f);
        Assert.Equal(p.EyeAspectRatio * c, q.EyeAspectRatio, 1e-6f);
        Assert.Equal(p.BrowToLid * c, q.BrowToLid, 1e-6f);
        Assert.Equal(p.NoseToUpperLip * c, q.NoseToUpperLip, 1e-6f);
        Assert.Equal(p.NoseRootToLip * c, q.NoseRootToLip, 1e-6f);
        Assert.Equal(p.InterOcularPixels / c, q.InterOcularPixels, 1e-3f);
        Assert.Equal(p.InnerBrowGap, q.InnerBrowGap);
        Assert.Equal(p.MouthWidth, q.MouthWidth);
        Assert.Equal(p, p.CorrectedForYaw(2.9f));
        Assert.Equal(p, p.CorrectedForYaw(float.NaN));
        Assert.Equal(p.CorrectedForYaw(45), p.CorrectedForYaw(80));
    }

    [Fact]
    public void PatientScorer_GrimaceSeenTurned25Degrees_ScoresAsFrontal_WhereUncorrectedItWouldDrop()
    {
        // An orthographic 25° turn of exact landmarks: widths × cos 25°, heights unchanged (what the correction undoes).
        var neutral = RealFaces.Astronaut;
        var grimace = Shapes.RaiseUpperLip(Shapes.LowerBrows(Shapes.NarrowEyes(neutral, 0.3f), 0.05f), 0.03f);
        var turned = Squeeze(grimace, MathF.Cos(25 * MathF.PI / 180));
        var scorer = NewScorer();
        for (var i = 0; i < 10; i++)
        {
            scorer.Score(Face(neutral, new FacePose(0, 0, 0)), T0.AddSeconds(i), learnBaseline: true);
        }

        var frontal = scorer.Estimate(Face(grimace, new FacePose(0, 0, 0)), T0.AddSeconds(20), learnBaseline: false);
        var corrected = scorer.Estimate(Face(turned, new FacePose(25, 0, 0)), T0.AddSeconds(21), learnBaseline: false);
        var uncorrected = new GeometricPspiScorer().Score(turned, new NeutralBaseline(AuProxies.FromLandmarks(neutral)), new HeadPose(25, 0));

        TestContext.Current.TestOutputHelper?.WriteLine($"uncorrected {uncorrected.Pspi:F2}, corrected {corrected.Pspi:F2}, frontal {frontal.Pspi:F2}");
        Assert.True(frontal.Pspi >= 4, $"frontal grimace {frontal.Pspi:F2}");
        // Measured: 5.23 corrected, 4.69 frontal, 2.55 uncorrected (under the alert threshold). The brow-to-lid and nose-to-lip distances are not purely
        // vertical, so the cosine over-corrects their small horizontal part a little; uncorrected it reads far lower.
        Assert.True(Math.Abs(corrected.Pspi - frontal.Pspi) <= 1, $"uncorrected {uncorrected.Pspi:F2}, corrected {corrected.Pspi:F2}, frontal {frontal.Pspi:F2}");
        Assert.True(uncorrected.Pspi < frontal.Pspi - 1, $"uncorrected {uncorrected.Pspi:F2}, corrected {corrected.Pspi:F2}, frontal {frontal.Pspi:F2}");
    }

    [Fact]
    public void PatientScorer_BaselineLearntTurned_ScoresTheSameFaceFrontalAsNeutral()
    {
        // A patient who lay turned 25° while the baseline was learnt, then faces the camera: still no pain.
        var neutral = RealFaces.Astronaut;
        var scorer = NewScorer();
        for (var i = 0; i < 10; i++)
        {
            scorer.Score(Face(Squeeze(neutral, MathF.Cos(25 * MathF.PI / 180)), new FacePose(-25, 0, 0)), T0.AddSeconds(i), learnBaseline: true);
        }

        var frontal = scorer.Estimate(Face(neutral, new FacePose(0, 0, 0)), T0.AddSeconds(20), learnBaseline: false);

        Assert.True(frontal.IsScorable, frontal.CannotScoreReason);
        Assert.True(frontal.Pspi < 0.5f, $"PSPI {frontal.Pspi:F2}");
    }

    private static PointF[] Squeeze(PointF[] points, float factor)
    {
        var cx = points.Average(p => p.X);
        return [.. points.Select(p => new PointF(cx + ((p.X - cx) * factor), p.Y))];
    }

    private static GeometricPatientScorer NewScorer() =>
        new(new GeometricPspiScorer(), new BaselineLearner(new BaselineLearnerOptions { Capacity = 100, MinSamples = 5 }), new GeometricScoringOptions { BaselineSampleSeconds = 1 });

    private static FaceAnalysis Face(PointF[] landmarks, FacePose pose) => new(new BoxF(180, 80, 90, 95), 0.9f, landmarks, pose, null);
}
