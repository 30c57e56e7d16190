// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Vision.Alignment;
using PainStream.Tools.Synthesis;
using PainStream.Vision.Tests.Synthesis;

namespace PainStream.Vision.Tests.Alignment;

/// <summary>
/// Issue 12 item 1: a pain expression must not read as a head turn. Each real fixture face is warped by the project's own
/// grimaces, its landmarks predicted again from the warped pixels, and its pose estimated from those.
/// </summary>
public sealed class HeadPoseGrimaceTests
{
    /// <summary>The grimaces, one action at a time at full strength, then together.</summary>
    public static TheoryData<string> Shapes => new(Grimaces.Keys);

    /// <summary>Every face × every grimace.</summary>
    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var face in new[] { "astronaut", "messi5x3", "megamind#200" })
            {
                foreach (var shape in Grimaces.Keys)
                {
                    data.Add(face, shape);
                }
            }

            return data;
        }
    }

    private static Dictionary<string, GrimaceShape> Grimaces { get; } = new(StringComparer.Ordinal)
    {
        ["brow lowered"] = new(1, 0, 0, 0),
        ["eyes narrowed"] = new(0, 1, 0, 0),
        ["upper lip raised"] = new(0, 0, 1, 0),
        ["eyes closed"] = new(0, 0, 0, 1),
        ["mouth open"] = new(0, 0, 0, 0, 1),
        ["full grimace"] = GrimaceShape.FullGrimace,
        ["everything"] = new(1, 1, 1, 1, 1),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Grimace_ChangesYawAndPitchByLessThan5Degrees_AndPassesTheGate(string name, string shapeName)
    {
        var face = GrimaceFaces.Get(name);
        var estimator = new HeadPoseEstimator();
        var gate = new FaceQualityGate(new FaceQualityOptions());
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var neutral = GrimaceFaces.Predict(face.Image.View, face.Box);
        var warped = GrimaceFaces.Warp(face, Grimaces[shapeName]);
        var grimacing = GrimaceFaces.Predict(warped.View, face.Box);

        Assert.True(estimator.TryEstimate(neutral, face.Image.Width, face.Image.Height, out var before));
        Assert.True(estimator.TryEstimate(grimacing, warped.Width, warped.Height, out var after));
        var quality = gate.Evaluate(aligner.Align(warped.View, grimacing), after);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {shapeName}: neutral {before}, grimace {after}, gate {quality.Reason ?? "ok"}"));
        Assert.InRange(after.YawDegrees - before.YawDegrees, -5, 5);
        Assert.InRange(after.PitchDegrees - before.PitchDegrees, -5, 5);
        Assert.True(quality.IsOk, $"{name} {shapeName} refused: {quality.Reason}");
    }

    [Fact]
    public void MouthOpen_IsAGrimaceTheLandmarkModelSees()
    {
        // Guards the test above against a warp that does nothing: the predicted lower lip and chin really move down.
        var face = GrimaceFaces.Get("astronaut");
        var warped = GrimaceFaces.Warp(face, new GrimaceShape(0, 0, 0, 0, 1));
        var before = GrimaceFaces.Predict(face.Image.View, face.Box);
        var after = GrimaceFaces.Predict(warped.View, face.Box);
        var d = GrimaceFaces.InterOcular(before);

        Assert.True(after[57].Y - before[57].Y > 0.12f * d, $"lower lip moved {(after[57].Y - before[57].Y) / d:F3} D");
        Assert.True(after[Face68.Chin].Y - before[Face68.Chin].Y > 0.12f * d, $"chin moved {(after[Face68.Chin].Y - before[Face68.Chin].Y) / d:F3} D");
    }

    [Theory]
    [InlineData(AlignmentFaces.Megamind40)]
    [InlineData(AlignmentFaces.MessiBlaze)]
    public void RealTurnedFaces_StillReadAsTurned(string name)
    {
        // Without the mouth and chin the estimator still sees a real turn: the woman in frame 40 and messi both look
        // towards the image's right (by eye), 20–30°.
        var face = AlignmentFaces.Get(name);

        Assert.True(new HeadPoseEstimator().TryEstimate(face.Landmarks, face.Image.Width, face.Image.Height, out var pose));

        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {pose}");
        Assert.True(pose.YawDegrees < -15, $"{name}: yaw {pose.YawDegrees:F1}°");
    }
}
