// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Pipeline;

namespace PainStream.Core.Tests.Pipeline;

public sealed class FaceFollowerTests
{
    private const int W = 640;
    private const int H = 360;
    private static readonly BoxF DetectorBox = new(200, 100, 120, 130);

    [Fact]
    public void Next_NothingDetectedYet_AsksForDetection()
    {
        var tracker = new FaceFollower(5);

        Assert.Null(tracker.Next(W, H));
    }

    [Fact]
    public void Next_AfterAPlausibleFace_FollowsItUntilTheRedetectionIsDue()
    {
        var tracker = new FaceFollower(5);
        var landmarks = Landmarks(260, 170, 40);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, landmarks)]);

        var decisions = new List<bool>();
        for (var i = 0; i < 6; i++)
        {
            if (tracker.Next(W, H) is { } followed)
            {
                decisions.Add(true);
                Assert.True(tracker.Tracked(followed, [Analysis(followed[0].Box, landmarks)]));
            }
            else
            {
                decisions.Add(false);
                tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, landmarks)]);
            }
        }

        // Detected, then 4 followed frames, then the 5th frame is detected again, then followed.
        Assert.Equal([true, true, true, true, false, true], decisions);
    }

    [Fact]
    public void Next_RedetectEveryFrame_NeverFollows()
    {
        var tracker = new FaceFollower(1);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, Landmarks(260, 170, 40))]);

        Assert.Null(tracker.Next(W, H));
    }

    [Fact]
    public void Next_SameLandmarks_GivesTheDetectorsBoxAndKeypointsFromTheLandmarks()
    {
        var tracker = new FaceFollower(5);
        var landmarks = Landmarks(260, 170, 40);
        tracker.Detected(W, H, [Face(DetectorBox, 0.83f)], [Analysis(DetectorBox, landmarks)]);

        var followed = Assert.Single(tracker.Next(W, H)!);

        AssertBox(DetectorBox, followed.Box);
        Assert.Equal(0.83f, followed.Score);
        Assert.Equal(4, followed.Keypoints.Count);
        Assert.Equal(Face68.RightEyeCentre(landmarks), followed.Keypoints[0]);
        Assert.Equal(Face68.LeftEyeCentre(landmarks), followed.Keypoints[1]);
        Assert.Equal(landmarks[Face68.NoseTip], followed.Keypoints[2]);
    }

    [Fact]
    public void Next_LandmarksMovedAndGrew_BoxFollowsThem()
    {
        var tracker = new FaceFollower(10);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, Landmarks(260, 170, 40))]);
        var first = tracker.Next(W, H)!;

        // The face moved 12 px right and 5 px down and is 10 % larger.
        Assert.True(tracker.Tracked(first, [Analysis(first[0].Box, Landmarks(272, 175, 44))]));
        var second = Assert.Single(tracker.Next(W, H)!);

        // Box centre = landmarks' centre + the recorded offset scaled by 1.1; size scaled by 1.1.
        var offsetX = (DetectorBox.Center.X - 260) * 1.1f;
        var offsetY = (DetectorBox.Center.Y - 170) * 1.1f;
        var expected = new BoxF(272 + offsetX - (DetectorBox.Width * 1.1f / 2), 175 + offsetY - (DetectorBox.Height * 1.1f / 2), DetectorBox.Width * 1.1f, DetectorBox.Height * 1.1f);
        AssertBox(expected, second.Box);
    }

    [Fact]
    public void Detected_NotAFace_IsNotFollowed()
    {
        var tracker = new FaceFollower(5);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, Landmarks(260, 170, 40), FaceAnalysis.NotAFace)]);

        Assert.Equal(0, tracker.Following);
        Assert.Null(tracker.Next(W, H));
    }

    [Fact]
    public void Detected_OnlyThePlausibleFacesOfSeveralAreFollowed()
    {
        var tracker = new FaceFollower(5);
        var other = new BoxF(450, 80, 80, 90);
        tracker.Detected(
            W,
            H,
            [Face(DetectorBox), Face(other)],
            [Analysis(DetectorBox, Landmarks(260, 170, 40)), Analysis(other, Landmarks(490, 130, 26), FaceAnalysis.NotAFace)]);

        AssertBox(DetectorBox, Assert.Single(tracker.Next(W, H)!).Box);
    }

    [Fact]
    public void Next_FrameSizeChanged_AsksForDetection()
    {
        var tracker = new FaceFollower(5);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, Landmarks(260, 170, 40))]);

        Assert.Null(tracker.Next(1280, 720));
    }

    [Theory]
    [InlineData("not plausible")]
    [InlineData("quality lost")]
    [InlineData("centre jump")]
    [InlineData("grew")]
    [InlineData("shrank")]
    public void Tracked_FitDegraded_ReturnsFalseAndFollowsNothing(string how)
    {
        var tracker = new FaceFollower(5);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, Landmarks(260, 170, 40))]);
        var followed = tracker.Next(W, H)!;
        var box = followed[0].Box;
        var analysis = how switch
        {
            "not plausible" => Analysis(box, Landmarks(260, 170, 40), FaceAnalysis.NotAFace),
            "quality lost" => Analysis(box, Landmarks(260, 170, 40), "blur"),

            // 0.25 x 120 px box width = 30 px is the limit.
            "centre jump" => Analysis(box, Landmarks(260 + 31, 170, 40)),
            "grew" => Analysis(box, Landmarks(260, 170, 40 * 1.26f)),
            _ => Analysis(box, Landmarks(260, 170, 40 / 1.26f)),
        };

        Assert.False(tracker.Tracked(followed, [analysis]));
        Assert.Equal(0, tracker.Following);
        Assert.Null(tracker.Next(W, H));
    }

    [Fact]
    public void Tracked_SmallMotionWithinTheLimits_Holds()
    {
        var tracker = new FaceFollower(5);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, Landmarks(260, 170, 40))]);
        var followed = tracker.Next(W, H)!;

        Assert.True(tracker.Tracked(followed, [Analysis(followed[0].Box, Landmarks(260 + 29, 170, 40 * 1.2f))]));
        Assert.Equal(1, tracker.Following);
    }

    [Fact]
    public void Tracked_QualityIssueAlreadyAtDetection_StillFollowed()
    {
        // A patient turned away (pose) at detection stays followed while the gate keeps saying so.
        var tracker = new FaceFollower(5);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, Landmarks(260, 170, 40), "pose")]);
        var followed = tracker.Next(W, H)!;

        Assert.True(tracker.Tracked(followed, [Analysis(followed[0].Box, Landmarks(262, 170, 40), "pose")]));
    }

    [Fact]
    public void Run_FollowedFitDegrades_DetectsTheSameFrameAndFollowsTheNewFace()
    {
        var tracker = new FaceFollower(5);
        var calls = new Calls();
        var landmarks = Landmarks(260, 170, 40);

        var first = tracker.Run(W, H, calls, c => c.Detect([Face(DetectorBox)]), (c, faces) => c.Analyze(faces, landmarks));
        Assert.Equal(FaceSource.Detected, first.Source);
        Assert.Equal((1, 1), (calls.Detections, calls.Analyses));

        var second = tracker.Run(W, H, calls, c => c.Detect([Face(DetectorBox)]), (c, faces) => c.Analyze(faces, landmarks));
        Assert.Equal(FaceSource.Tracked, second.Source);
        Assert.Equal((1, 2), (calls.Detections, calls.Analyses));

        // The face left: the followed fit is not a face, so the detector runs on this same frame (and finds nothing).
        var third = tracker.Run(W, H, calls, c => c.Detect([]), (c, faces) => c.Analyze(faces, landmarks, FaceAnalysis.NotAFace));
        Assert.Equal(FaceSource.Detected, third.Source);
        Assert.Empty(third.Faces);
        Assert.Empty(third.Analyses);
        Assert.Equal((2, 4), (calls.Detections, calls.Analyses)); // the followed fit, then the (empty) detection
        Assert.Equal(1, tracker.Degraded);
        Assert.Null(tracker.Next(W, H));
    }

    [Fact]
    public void Run_AnalyserThrows_ForgetsTheFacesAndRethrows()
    {
        var tracker = new FaceFollower(5);
        var calls = new Calls();
        tracker.Run(W, H, calls, c => c.Detect([Face(DetectorBox)]), (c, faces) => c.Analyze(faces, Landmarks(260, 170, 40)));

        Assert.Throws<InvalidOperationException>(() => tracker.Run<Calls>(W, H, calls, c => c.Detect([]), (_, _) => throw new InvalidOperationException("boom")));
        Assert.Equal(0, tracker.Following);
    }

    [Fact]
    public void Tracked_SignatureChanged_IsDegradedAndFollowsNothing()
    {
        // The box slid onto background: same plausible shape in the same place, but another picture.
        var tracker = new FaceFollower(5);
        var landmarks = Landmarks(260, 170, 40);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, landmarks) with { Signature = Gradient(horizontal: true) }]);
        var followed = tracker.Next(W, H)!;

        Assert.False(tracker.Tracked(followed, [Analysis(followed[0].Box, landmarks) with { Signature = Gradient(horizontal: false) }]));
        Assert.Equal(0, tracker.Following);
        Assert.InRange(tracker.LastSimilarity, -0.1f, 0.1f);
    }

    [Fact]
    public void Tracked_SignatureBrighterButTheSamePicture_Holds()
    {
        var tracker = new FaceFollower(5);
        var landmarks = Landmarks(260, 170, 40);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, landmarks) with { Signature = Gradient(horizontal: true) }]);
        var followed = tracker.Next(W, H)!;

        Assert.True(tracker.Tracked(followed, [Analysis(followed[0].Box, landmarks) with { Signature = Gradient(horizontal: true, gain: 0.7f, offset: 60) }]));
        Assert.Equal(1f, tracker.LastSimilarity, 0.01f);
    }

    [Fact]
    public void Tracked_ComparesWithTheLastFollowedFrameNotTheDetection()
    {
        // An expression building up over frames: each step is close to the last, the end is far from the start.
        var tracker = new FaceFollower(10) { MinSimilarity = 0.9f };
        var landmarks = Landmarks(260, 170, 40);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, landmarks) with { Signature = Mixed(0) }]);
        for (var step = 1; step <= 6; step++)
        {
            var followed = tracker.Next(W, H)!;
            Assert.True(tracker.Tracked(followed, [Analysis(followed[0].Box, landmarks) with { Signature = Mixed(step / 6f) }]), $"step {step}");
        }

        Assert.True(FaceSignature.Similarity(Mixed(0), Mixed(1)) < 0.9f);
    }

    [Fact]
    public void Tracked_AppearanceCheckOff_SignatureChangeHolds()
    {
        var tracker = new FaceFollower(5) { MinSimilarity = -1 };
        var landmarks = Landmarks(260, 170, 40);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, landmarks) with { Signature = Gradient(horizontal: true) }]);
        var followed = tracker.Next(W, H)!;

        Assert.True(tracker.Tracked(followed, [Analysis(followed[0].Box, landmarks) with { Signature = Gradient(horizontal: false) }]));
    }

    [Fact]
    public void Tracked_NoSignature_AppearanceNotChecked()
    {
        // An analyser that computes no signature (or a face that was not aligned): the geometric checks alone decide.
        var tracker = new FaceFollower(5);
        var landmarks = Landmarks(260, 170, 40);
        tracker.Detected(W, H, [Face(DetectorBox)], [Analysis(DetectorBox, landmarks) with { Signature = Gradient(horizontal: true) }]);
        var followed = tracker.Next(W, H)!;

        Assert.True(tracker.Tracked(followed, [Analysis(followed[0].Box, landmarks)]));
        Assert.True(float.IsNaN(tracker.LastSimilarity));
    }

    [Fact]
    public void Run_SignatureChanged_DetectsTheSameFrame()
    {
        var tracker = new FaceFollower(5);
        var calls = new Calls();
        var landmarks = Landmarks(260, 170, 40);
        tracker.Run(W, H, calls, c => c.Detect([Face(DetectorBox)]), (c, faces) => c.Analyze(faces, landmarks, signature: Gradient(horizontal: true)));

        var second = tracker.Run(W, H, calls, c => c.Detect([]), (c, faces) => c.Analyze(faces, landmarks, signature: Gradient(horizontal: false)));

        Assert.Equal(FaceSource.Detected, second.Source);
        Assert.Empty(second.Faces);
        Assert.Equal(1, tracker.Degraded);
        Assert.Equal(2, calls.Detections);
    }

    [Fact]
    public void Constructor_ZeroFrames_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceFollower(0));

    private static DetectedFace Face(BoxF box, float score = 0.9f) => new(box, score, []);

    private static FaceAnalysis Analysis(BoxF box, PointF[] landmarks, string? issue = null) => new(box, 0.9f, landmarks, null, issue);

    /// <summary>A ramp of grey from 20 to 230 across (or down) the cells, scaled by <paramref name="gain"/> and shifted by <paramref name="offset"/>.</summary>
    private static FaceSignature Gradient(bool horizontal, float gain = 1, float offset = 0)
    {
        var cells = new byte[FaceSignature.Length];
        for (var r = 0; r < FaceSignature.Side; r++)
        {
            for (var c = 0; c < FaceSignature.Side; c++)
            {
                var t = (horizontal ? c : r) / (FaceSignature.Side - 1f);
                cells[(r * FaceSignature.Side) + c] = (byte)Math.Clamp(MathF.Round(offset + (gain * (20 + (210 * t)))), 0, 255);
            }
        }

        return FaceSignature.FromCells(cells);
    }

    /// <summary>The horizontal ramp turned step by step into the vertical one (<paramref name="t"/> from 0 to 1).</summary>
    private static FaceSignature Mixed(float t)
    {
        var a = Gradient(horizontal: true).Cells;
        var b = Gradient(horizontal: false).Cells;
        var cells = new byte[FaceSignature.Length];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = (byte)MathF.Round(((1 - t) * a[i]) + (t * b[i]));
        }

        return FaceSignature.FromCells(cells);
    }

    /// <summary>68 points spread around (<paramref name="cx"/>, <paramref name="cy"/>) with RMS radius <paramref name="radius"/>.</summary>
    private static PointF[] Landmarks(float cx, float cy, float radius)
    {
        // Unit-RMS pattern: points on a circle of radius 1 (RMS distance from the centroid is exactly 1).
        var points = new PointF[Face68.Count];
        for (var i = 0; i < points.Length; i++)
        {
            var a = 2 * MathF.PI * i / points.Length;
            points[i] = new PointF(cx + (radius * MathF.Cos(a)), cy + (radius * MathF.Sin(a)));
        }

        return points;
    }

    private static void AssertBox(BoxF expected, BoxF actual)
    {
        Assert.Equal(expected.X, actual.X, 0.01f);
        Assert.Equal(expected.Y, actual.Y, 0.01f);
        Assert.Equal(expected.Width, actual.Width, 0.01f);
        Assert.Equal(expected.Height, actual.Height, 0.01f);
    }

    private sealed class Calls
    {
        public int Detections { get; private set; }

        public int Analyses { get; private set; }

        public DetectedFace[] Detect(DetectedFace[] faces)
        {
            Detections++;
            return faces;
        }

        public FaceAnalysis[] Analyze(IReadOnlyList<DetectedFace> faces, PointF[] landmarks, string? issue = null, FaceSignature signature = default)
        {
            Analyses++;
            return faces.Select(f => Analysis(f.Box, landmarks, issue) with { Signature = signature }).ToArray();
        }
    }
}
