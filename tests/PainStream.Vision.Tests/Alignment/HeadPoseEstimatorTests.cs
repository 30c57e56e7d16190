// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Alignment;
using PainStream.Vision.Tests.Landmarks;

namespace PainStream.Vision.Tests.Alignment;

public sealed class HeadPoseEstimatorTests
{
    private const int Width = 1280;
    private const int Height = 720;

    [Theory]
    [InlineData(25, 0, 0)]
    [InlineData(-25, 0, 0)]
    [InlineData(0, 15, 0)]
    [InlineData(0, -15, 0)]
    [InlineData(25, 15, 0)]
    [InlineData(-25, 15, 0)]
    [InlineData(25, -15, 10)]
    [InlineData(-25, -15, -10)]
    [InlineData(0, 0, 30)]
    public void TryEstimate_ModelProjectedWithAKnownPose_RecoversTheAnglesWithin2Degrees(float yaw, float pitch, float roll)
    {
        // A face 70 cm away at the image centre, landmarks jittered by 0.3 px (σ) as a real detector would.
        var landmarks = Project(yaw, pitch, roll, new Point3d(0, 0, 700), noise: 0.3, seed: 7);

        Assert.True(new HeadPoseEstimator().TryEstimate(landmarks, Width, Height, out var pose));

        AssertPose(new HeadPoseEstimate(yaw, pitch, roll), pose, 2);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(20, -10, 5)]
    public void TryEstimate_FaceOffTheOpticalAxis_MeasuresThePoseRelativeToTheLineOfSight(float yaw, float pitch, float roll)
    {
        // Near the top-left corner of a wide view, the face turned towards the camera plus the given pose: it looks to
        // the camera as a face with that pose does at the centre, and that is what the estimator reports.
        var landmarks = Project(yaw, pitch, roll, new Point3d(-450, -230, 900), noise: 0, seed: 0);

        Assert.True(new HeadPoseEstimator().TryEstimate(landmarks, Width, Height, out var pose));

        AssertPose(new HeadPoseEstimate(yaw, pitch, roll), pose, 1);
    }

    [Theory]
    [InlineData(40, 0)]
    [InlineData(-40, 0)]
    [InlineData(0, 28)]
    [InlineData(0, -28)]
    [InlineData(30, 22)]
    public void Gate_FaceTurnedBeyondItsLimits_IsRefusedAsTurnedAway(float yaw, float pitch)
    {
        // Real head turns must still be refused now that the pose comes from eyes and nose only.
        var landmarks = Project(yaw, pitch, 0, new Point3d(0, 0, 700), noise: 0.3, seed: 3);
        var gate = new FaceQualityGate(new PainStream.Core.Options.FaceQualityOptions());
        var crop = new BgrImage(new byte[112 * 112 * 3], 112, 112, 112 * 3);

        Assert.True(new HeadPoseEstimator().TryEstimate(landmarks, Width, Height, out var pose));
        var quality = gate.Evaluate(crop, pose, 100);

        Assert.Equal(FaceQualityGate.HeadTurnedAway, quality.Reason);
    }

    [Fact]
    public void ProjectedPose_SignConvention_IsTheDocumentedOne()
    {
        // Positive yaw turns the face towards the image's left: the nose tip moves left of the eyes' midpoint. Positive
        // pitch raises the chin: the nose tip moves up towards the eye line.
        static (float NoseLeftOfEyes, float NoseBelowEyes) Measure(float yaw, float pitch)
        {
            var p = Project(yaw, pitch, 0, new Point3d(0, 0, 700), noise: 0, seed: 0);
            var eyes = new PointF((p[Face68.RightEyeOuter].X + p[Face68.LeftEyeOuter].X) / 2, (p[Face68.RightEyeOuter].Y + p[Face68.LeftEyeOuter].Y) / 2);
            return (eyes.X - p[Face68.NoseTip].X, p[Face68.NoseTip].Y - eyes.Y);
        }

        var frontal = Measure(0, 0);
        Assert.True(Measure(20, 0).NoseLeftOfEyes > frontal.NoseLeftOfEyes + 5);
        Assert.True(Measure(-20, 0).NoseLeftOfEyes < frontal.NoseLeftOfEyes - 5);
        Assert.True(Measure(0, 15).NoseBelowEyes < frontal.NoseBelowEyes - 5);
        Assert.True(Measure(0, -15).NoseBelowEyes > frontal.NoseBelowEyes + 5);
    }

    [Theory]
    [InlineData(AlignmentFaces.AstronautHand)]
    [InlineData(AlignmentFaces.AstronautBlaze)]
    [InlineData(AlignmentFaces.Megamind200)]
    public void TryEstimate_FrontalFixtureFaces_AreNearlyFrontal(string name)
    {
        // astronaut.png is a frontal portrait; Megamind frame 200 looks straight into the camera (both checked by eye).
        var face = AlignmentFaces.Get(name);

        Assert.True(new HeadPoseEstimator().TryEstimate(face.Landmarks, face.Image.Width, face.Image.Height, out var pose));

        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {pose}");
        Assert.InRange(pose.YawDegrees, -15, 15);
        Assert.InRange(pose.PitchDegrees, -20, 20);
    }

    [Theory]
    [InlineData(AlignmentFaces.Megamind40, -1)]
    [InlineData(AlignmentFaces.Megamind120, -1)]
    [InlineData(AlignmentFaces.Megamind240, 1)]
    public void TryEstimate_TurnedFixtureFaces_HaveTheYawSignOfTheirTurn(string name, int sign)
    {
        // Frame 40: the woman looks towards the image's right; 120: the man turns a little to the right; 240: he turns a
    // little to the left (by eye).
        var face = AlignmentFaces.Get(name);

        Assert.True(new HeadPoseEstimator().TryEstimate(face.Landmarks, face.Image.Width, face.Image.Height, out var pose));

        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {pose}");
        Assert.True(sign * pose.YawDegrees > 5, $"{name}: yaw {pose.YawDegrees:F1}° should be {(sign > 0 ? "positive" : "negative")}.");
    }

    [Theory]
    [InlineData(AlignmentFaces.AstronautHand)]
    [InlineData(AlignmentFaces.AstronautBlaze)]
    [InlineData(AlignmentFaces.Megamind40)]
    [InlineData(AlignmentFaces.Megamind240)]
    public void TryEstimate_MirroredImage_GivesTheOppositeYawOrBothNearZero(string name)
    {
        var face = AlignmentFaces.Get(name);
        var estimator = new HeadPoseEstimator();
        var mirrored = AlignmentFaces.FlipHorizontally(face.Image);
        var mirroredBox = face.Box with { X = face.Image.Width - face.Box.Right };
        var mirroredLandmarks = AlignmentFaces.Predict(mirrored, mirroredBox);

        Assert.True(estimator.TryEstimate(face.Landmarks, face.Image.Width, face.Image.Height, out var pose));
        Assert.True(estimator.TryEstimate(mirroredLandmarks, mirrored.Width, mirrored.Height, out var flipped));

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: yaw {pose.YawDegrees:F1}°, mirrored {flipped.YawDegrees:F1}°; roll {pose.RollDegrees:F1}°, mirrored {flipped.RollDegrees:F1}°"));
        var bothNearZero = MathF.Abs(pose.YawDegrees) < 5 && MathF.Abs(flipped.YawDegrees) < 5;
        Assert.True(bothNearZero || pose.YawDegrees * flipped.YawDegrees < 0, $"yaw {pose.YawDegrees:F1}° and mirrored {flipped.YawDegrees:F1}°");
    }

    [Fact]
    public void TryEstimate_MirroredLandmarks_NegateYawAndRollAndKeepPitch()
    {
        // The estimator itself is mirror-symmetric (model, camera and angles); the landmark predictor is not quite, which
        // is why the mirrored-image test above uses clearly turned or frontal faces.
        var estimator = new HeadPoseEstimator();
        foreach (var face in AlignmentFaces.All.Values)
        {
            var width = face.Image.Width;
            var mirrored = new PointF[68];
            for (var i = 0; i < 68; i++)
            {
                var p = face.Landmarks[MirrorIndex(i)];
                mirrored[i] = new PointF(width - 1 - p.X, p.Y);
            }

            Assert.True(estimator.TryEstimate(face.Landmarks, width, face.Image.Height, out var pose));
            Assert.True(estimator.TryEstimate(mirrored, width, face.Image.Height, out var flipped));

            Assert.Equal(-pose.YawDegrees, flipped.YawDegrees, 0.05f);
            Assert.Equal(pose.PitchDegrees, flipped.PitchDegrees, 0.05f);
            Assert.Equal(-pose.RollDegrees, flipped.RollDegrees, 0.05f);
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(-20)]
    public void TryEstimate_ImageRotatedInPlane_ChangesRollByTheRotation(double degrees)
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var rotated = AlignmentFaces.Rotate(face.Image, face.Box.Center, degrees);
        var estimator = new HeadPoseEstimator();

        // The face box turned with the image is no longer axis-aligned; its bounding square is what a detector gives.
        var rotatedLandmarks = AlignmentFaces.Predict(rotated, face.Box);
        Assert.True(estimator.TryEstimate(face.Landmarks, face.Image.Width, face.Image.Height, out var upright));
        Assert.True(estimator.TryEstimate(rotatedLandmarks, rotated.Width, rotated.Height, out var turned));

        TestContext.Current.TestOutputHelper?.WriteLine($"upright {upright}, rotated {degrees}°: {turned}");
        Assert.InRange(turned.RollDegrees - upright.RollDegrees, degrees - 3, degrees + 3);
        Assert.InRange(turned.YawDegrees - upright.YawDegrees, -5, 5);
        Assert.InRange(turned.PitchDegrees - upright.PitchDegrees, -5, 5);
    }

    [Fact]
    public void ModelPoints_SeenFromTheFront_AreDlibsMeanShapeAt90MmBetweenTheOuterEyeCorners()
    {
        var mean = LandmarkFaces.Model.InitialShape;
        var indices = HeadPoseEstimator.ModelLandmarks.ToArray();
        var model = HeadPoseEstimator.ModelPoints.ToArray();
        var front = model.Select(p => new PointF(p.X, p.Y)).ToArray();
        var shape = indices.Select(i => new PointF(mean[2 * i], mean[(2 * i) + 1])).ToArray();

        var t = SimilarityTransform.Fit(shape, front);
        var worst = shape.Select((p, i) => Face68.Distance(t.Apply(p), front[i])).Max();

        Assert.True(worst < 0.3, $"The model's x, y deviate from dlib's mean shape by up to {worst:F2} mm.");
        var outer = model[Array.IndexOf(indices, Face68.LeftEyeOuter)].X - model[Array.IndexOf(indices, Face68.RightEyeOuter)].X;
        Assert.Equal(90, outer, 0.5);
        Assert.Equal(new System.Numerics.Vector3(0, 0, 0), model[Array.IndexOf(indices, Face68.NoseTip)]);
    }

    [Fact]
    public void TryEstimate_NonFiniteLandmark_ReturnsFalse()
    {
        var landmarks = AlignmentFaces.Get(AlignmentFaces.AstronautHand).Landmarks.ToArray();
        landmarks[Face68.NoseTip] = new PointF(float.NaN, 3);

        Assert.False(new HeadPoseEstimator().TryEstimate(landmarks, 512, 512, out var pose));
        Assert.Equal(default, pose);
    }

    [Fact]
    public void TryEstimate_AllLandmarksOnOnePoint_ReturnsFalse()
    {
        var landmarks = Enumerable.Repeat(new PointF(100, 100), 68).ToArray();

        Assert.False(new HeadPoseEstimator().TryEstimate(landmarks, 512, 512, out _));
    }

    [Fact]
    public void TryEstimate_AfterWarmUp_DoesNotAllocate()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var estimator = new HeadPoseEstimator();
        estimator.TryEstimate(face.Landmarks, face.Image.Width, face.Image.Height, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            estimator.TryEstimate(face.Landmarks, face.Image.Width, face.Image.Height, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// Projects the generic face with <c>cv::projectPoints</c>: turned by the pose (built here from OpenCV's own
    /// Rodrigues, independently of the estimator), then turned to face the camera from <paramref name="position"/>.
    /// </summary>
    private static PointF[] Project(float yaw, float pitch, float roll, Point3d position, double noise, int seed)
    {
        const double Rad = Math.PI / 180;
        using var ry = Rotation(0, yaw * Rad, 0);
        using var rx = Rotation(-pitch * Rad, 0, 0);
        using var rz = Rotation(0, 0, roll * Rad);

        // The rotation taking the optical axis onto the ray to the face, so that (0, 0, 0) faces the camera.
        var norm = Math.Sqrt((position.X * position.X) + (position.Y * position.Y) + (position.Z * position.Z));
        var (dx, dy, dz) = (position.X / norm, position.Y / norm, position.Z / norm);
        var sin = Math.Sqrt((dx * dx) + (dy * dy));
        var angle = Math.Atan2(sin, dz);
        using var toRay = sin < 1e-12 ? Rotation(0, 0, 0) : Rotation(-dy / sin * angle, dx / sin * angle, 0);

        using var turned = Multiply(rx, rz);
        using var posed = Multiply(ry, turned);
        using var pose = Multiply(toRay, posed);
        using var rvec = new Mat();
        Cv2.Rodrigues(pose, rvec);
        var model = HeadPoseEstimator.ModelPoints.ToArray().Select(v => new Point3f(v.X, v.Y, v.Z)).ToArray();
        double[,] camera = { { Width, 0, (Width - 1) / 2.0 }, { 0, Width, (Height - 1) / 2.0 }, { 0, 0, 1 } };
        Cv2.ProjectPoints(model, [rvec.At<double>(0), rvec.At<double>(1), rvec.At<double>(2)], [position.X, position.Y, position.Z], camera, [], out var projected, out _);

        var rng = new Random(seed);
        var landmarks = new PointF[68];
        var indices = HeadPoseEstimator.ModelLandmarks;
        for (var i = 0; i < indices.Length; i++)
        {
            landmarks[indices[i]] = new PointF(projected[i].X + (float)(noise * Gaussian(rng)), projected[i].Y + (float)(noise * Gaussian(rng)));
        }

        return landmarks;
    }

    /// <summary>The iBUG 300-W point that a left–right mirror image puts at index <paramref name="i"/>.</summary>
    private static int MirrorIndex(int i) => i switch
    {
        <= 16 => 16 - i,                       // jaw
        <= 26 => 43 - i,                       // brows 17–26
        <= 30 => i,                            // nose bridge
        <= 35 => 66 - i,                       // nostrils 31–35
        <= 39 => 81 - i,                       // 36–39 ↔ 45–42
        <= 41 => 87 - i,                       // 40, 41 ↔ 47, 46
        <= 45 => 81 - i,                       // 42–45 ↔ 39–36
        <= 47 => 87 - i,                       // 46, 47 ↔ 41, 40
        <= 54 => 102 - i,                      // outer lip top 48–54
        <= 59 => 114 - i,                      // outer lip bottom 55–59
        <= 64 => 124 - i,                      // inner lip top 60–64
        _ => 132 - i,                          // inner lip bottom 65–67
    };

    private static Mat Multiply(Mat a, Mat b)
    {
        using var product = a * b;
        return product.ToMat();
    }

    private static Mat Rotation(double x, double y, double z)
    {
        using var vector = Mat.FromArray(new[] { x, y, z });
        var matrix = new Mat();
        Cv2.Rodrigues(vector, matrix);
        return matrix;
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static void AssertPose(HeadPoseEstimate expected, HeadPoseEstimate actual, float tolerance)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"expected {expected}, estimated {actual}");
        Assert.InRange(actual.YawDegrees, expected.YawDegrees - tolerance, expected.YawDegrees + tolerance);
        Assert.InRange(actual.PitchDegrees, expected.PitchDegrees - tolerance, expected.PitchDegrees + tolerance);
        Assert.InRange(actual.RollDegrees, expected.RollDegrees - tolerance, expected.RollDegrees + tolerance);
    }
}
