// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Testing;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Tests.Alignment;
using PainStream.Vision.Tests.Detection;

namespace PainStream.Vision.Tests.Analysis;

/// <summary>
/// The appearance signature on real faces (the demo clip, read by a real ffmpeg): the same face on nearby frames and the same
/// person grimacing stay above the follower's threshold; a followed box that slid onto background (the face jumped away) or a
/// frame without the face falls below it.
/// </summary>
public sealed class FaceSignatureTests(DetectorFixture detectors) : IClassFixture<DetectorFixture>
{
    private const int W = 640;
    private const int H = 360;

    private static string DemoClip => Path.Combine(TestPaths.RepoRoot, "data", "demo", "demo.mp4");

    [Fact]
    public async Task Similarity_SameFaceOnNearbyFrames_IsHigh()
    {
        var a = Analyze(await FrameAsync(DemoClip, 5.0));
        var b = Analyze(await FrameAsync(DemoClip, 5.4));

        var similarity = FaceSignature.Similarity(a.Signature, b.Signature);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"5.0 s vs 5.4 s: similarity {similarity:F3}"));

        Assert.False(a.Signature.IsEmpty);
        Assert.InRange(similarity, 0.95f, 1f);
    }

    [Theory]
    [InlineData(20.0)] // the grimace held
    [InlineData(12.6)] // the ramp from neutral to grimace
    public async Task Similarity_GrimaceAgainstNeutral_StaysAboveTheFollowerThreshold(double grimaceSeconds)
    {
        var neutral = Analyze(await FrameAsync(DemoClip, 5.0));
        var grimace = Analyze(await FrameAsync(DemoClip, grimaceSeconds));

        var similarity = FaceSignature.Similarity(neutral.Signature, grimace.Signature);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"neutral (5 s) vs {grimaceSeconds} s: similarity {similarity:F3}"));

        Assert.True(similarity >= FaceFollower.DefaultMinSimilarity, string.Create(CultureInfo.InvariantCulture, $"grimace at {grimaceSeconds} s: similarity {similarity}"));
    }

    [Fact]
    public async Task Similarity_FaceJumpedAway_TheFollowedBoxOnBackgroundIsLow()
    {
        // The tracking-drift benchmark's jump: the frame shifted 160 px to the right; the landmarks stay where the face was.
        var frame = await FrameAsync(DemoClip, 5.0);
        var face = Analyze(frame);
        var shifted = new byte[frame.Data.Length];
        for (var y = 0; y < H; y++)
        {
            frame.Data.AsSpan(y * W * 3, (W - 160) * 3).CopyTo(shifted.AsSpan((y * W * 3) + (160 * 3)));
        }

        var similarity = FaceSignature.Similarity(face.Signature, SignatureAt(TestImage.FromBytes(shifted, W, H), face.Landmarks));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"face vs its place after the jump: similarity {similarity:F3}"));

        Assert.True(similarity < FaceFollower.DefaultMinSimilarity, string.Create(CultureInfo.InvariantCulture, $"similarity {similarity}"));
    }

    [Fact]
    public async Task Similarity_FaceLeft_AStreetFrameAtTheFacesPlaceIsLow()
    {
        var face = Analyze(await FrameAsync(DemoClip, 5.0));
        var street = await FrameAsync(TestPaths.Fixture("vtest.avi"), 3.0);

        var similarity = FaceSignature.Similarity(face.Signature, SignatureAt(street, face.Landmarks));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"face vs a street frame at its place: similarity {similarity:F3}"));

        Assert.True(similarity < FaceFollower.DefaultMinSimilarity, string.Create(CultureInfo.InvariantCulture, $"similarity {similarity}"));
    }

    [Fact]
    public void Analyze_SignatureIsThatOfTheAlignedCropsInnerFace()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions());

        var analysis = Assert.Single(analyzer.Analyze(face.Image.View, [new DetectedFace(face.Box, 0.9f, [])]));

        var crop = new FaceAligner(AlignmentFaces.Template112).Align(face.Image.View, analysis.Landmarks).Image;
        var expected = FaceSignature.Compute(crop, FaceQualityGate.MeasurementRegion(crop.Width));
        Assert.Equal(expected.Cells.ToArray(), analysis.Signature.Cells.ToArray());
        Assert.Equal(FaceSignature.Length, analysis.Signature.Cells.Length);
    }

    private static FaceSignature SignatureAt(TestImage image, PointF[] landmarks)
    {
        var crop = new FaceAligner(AlignmentFaces.Template112).Align(image.View, landmarks).Image;
        return FaceSignature.Compute(crop, FaceQualityGate.MeasurementRegion(crop.Width));
    }

    private static async Task<TestImage> FrameAsync(string path, double seconds)
    {
        byte[]? copy = null;
        var read = await FfmpegFrames.ReadAsync(string.Create(CultureInfo.InvariantCulture, $"-ss {seconds} -i {path}"), 1, W, H, image => copy = image.Data.ToArray());
        Assert.Equal(1, read);
        return TestImage.FromBytes(copy!, W, H);
    }

    private FaceAnalysis Analyze(TestImage frame)
    {
        var faces = detectors.Front.Detect(frame.View);
        var detected = Assert.Single(faces);
        var analysis = Assert.Single(new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions()).Analyze(frame.View, [detected]));
        Assert.True(analysis.IsPlausibleFace);
        return analysis;
    }
}
