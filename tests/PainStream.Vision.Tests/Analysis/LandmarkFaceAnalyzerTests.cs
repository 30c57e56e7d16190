// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Tests.Alignment;

namespace PainStream.Vision.Tests.Analysis;

/// <summary>Crops handed to a learned scorer: only for its cameras, only scorable faces, and exactly the aligned crop.</summary>
public sealed class LandmarkFaceAnalyzerTests
{
    private static readonly CameraId Cnn = new("icu-1");
    private static readonly CameraId Geo = new("icu-2");

    [Fact]
    public void Analyze_CameraWithALearnedScorer_SubmitsTheAlignedCrop()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var crops = new RecordingCropScorer(Cnn);
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions(), crops);
        var detected = new[] { new DetectedFace(face.Box, 0.9f, []) };

        var analysis = Assert.Single(analyzer.Analyze(Cnn, face.Image.View, detected));

        Assert.Null(analysis.QualityIssue);
        Assert.Same(crops.Pending, analysis.CropScore);
        var crop = Assert.Single(crops.Crops);
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var expected = aligner.Align(face.Image.View, analysis.Landmarks).Image;
        Assert.Equal(expected.Data.ToArray(), crop);
    }

    [Fact]
    public void Analyze_OtherCameraOrNoCamera_SubmitsNothing()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var crops = new RecordingCropScorer(Cnn);
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions(), crops);
        var detected = new[] { new DetectedFace(face.Box, 0.9f, []) };

        Assert.Null(Assert.Single(analyzer.Analyze(Geo, face.Image.View, detected)).CropScore);
        Assert.Null(Assert.Single(analyzer.Analyze(face.Image.View, detected)).CropScore);
        Assert.Empty(crops.Crops);
    }

    [Fact]
    public void Analyze_FaceFailsTheQualityGate_SubmitsNothing()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var crops = new RecordingCropScorer(Cnn);
        var strict = new FaceQualityOptions { MinInterOcularPixels = 1000 };
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => strict, crops);

        var analysis = Assert.Single(analyzer.Analyze(Cnn, face.Image.View, [new DetectedFace(face.Box, 0.9f, [])]));

        Assert.NotNull(analysis.QualityIssue);
        Assert.Null(analysis.CropScore);
        Assert.Empty(crops.Crops);
    }

    [Fact]
    public void Analyze_NotAFace_IsReportedAndNeverHandedToALearnedModel()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautBlaze);
        var detected = new DetectedFace(face.Box, 0.9f, [Face68.RightEyeCentre(face.Landmarks), Face68.LeftEyeCentre(face.Landmarks), face.Landmarks[Face68.NoseTip], face.Landmarks[62]]);
        var eyes = Face68.Distance(Face68.RightEyeCentre(face.Landmarks), Face68.LeftEyeCentre(face.Landmarks));
        Assert.Null(Assert.Single(new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions()).Analyze(face.Image.View, [detected])).QualityIssue);
        var wrong = detected with { Keypoints = detected.Keypoints.Select(p => new PointF(p.X, p.Y + eyes)).ToArray() };
        var crops = new RecordingCropScorer(new("icu-1"));
        var analyzer = new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions(), crops);

        var analysis = Assert.Single(analyzer.Analyze(new("icu-1"), face.Image.View, [wrong]));

        Assert.Equal(FaceAnalysis.NotAFace, analysis.QualityIssue);
        Assert.False(analysis.IsPlausibleFace);
        Assert.Null(analysis.CropScore);
        Assert.Empty(crops.Crops);
    }

    [Fact]
    public void Analyze_FollowedFace_RunsTheFirstFollowCascadesAndADetectionRunsThemAll()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var predictor = AlignmentFaces.Predictor;
        var analyzer = new LandmarkFaceAnalyzer(predictor, AlignmentFaces.Template112, () => new FaceQualityOptions(), followCascades: 4);
        var detected = new DetectedFace(face.Box, 0.9f, []);
        var followed = detected with { PriorLandmarks = face.Landmarks };
        var first4 = new PointF[68];
        var all = new PointF[68];
        predictor.Predict(face.Image.View, face.Box, 4, first4);
        predictor.Predict(face.Image.View, face.Box, all);
        Assert.NotEqual(all, first4);

        Assert.Equal(first4, Assert.Single(analyzer.Analyze(face.Image.View, [followed])).Landmarks);
        Assert.Equal(all, Assert.Single(analyzer.Analyze(face.Image.View, [detected])).Landmarks);
        Assert.Equal(all, Assert.Single(new LandmarkFaceAnalyzer(predictor, AlignmentFaces.Template112, () => new FaceQualityOptions()).Analyze(face.Image.View, [followed])).Landmarks);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    public void Constructor_FollowCascadesOutsideTheModel_ThrowsNamingTheKey(int cascades)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => new LandmarkFaceAnalyzer(AlignmentFaces.Predictor, AlignmentFaces.Template112, () => new FaceQualityOptions(), followCascades: cascades));

        Assert.Contains("Detection:FollowCascades", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 15", ex.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingCropScorer(CameraId camera) : IFaceCropScorer
    {
        public List<byte[]> Crops { get; } = [];

        public PendingCropScore Pending { get; } = new();

        public bool Scores(CameraId c) => c == camera;

        public PendingCropScore Submit(CameraId c, BgrImage crop)
        {
            var bytes = new byte[crop.Width * crop.Height * 3];
            for (var y = 0; y < crop.Height; y++)
            {
                crop.GetRow(y).CopyTo(bytes.AsSpan(y * crop.Width * 3));
            }

            Crops.Add(bytes);
            return Pending;
        }
    }
}
