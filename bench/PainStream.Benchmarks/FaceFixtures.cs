// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;
using PainStream.Tools.Synthesis;

namespace PainStream.Benchmarks;

/// <summary>
/// The frames the per-face benchmarks run on: the daemon's demo scene (<c>painstream demo-clip</c> on
/// <c>data/fixtures/astronaut.png</c>), a 640x360 BGR24 frame with the astronaut's face 200 pixels wide in the middle,
/// neutral and in the full grimace, with the face box the daemon's default detector (BlazeFace front 128, whole frame)
/// finds on it and the 68 landmarks the analyser predicts in that box. The alert-latency load scenario plays the same
/// scene, so the per-face figures and the end-to-end figures are about the same face.
/// </summary>
internal sealed class FaceFixtures
{
    private static readonly Lazy<FaceFixtures> LazyInstance = new(Create);

    private FaceFixtures(ShapePredictor predictor, FaceTemplate template, byte[] neutral, byte[] grimace, int width, int height, DetectedFace face, PointF[] neutralLandmarks, PointF[] grimaceLandmarks)
    {
        Predictor = predictor;
        Template = template;
        NeutralFrame = neutral;
        GrimaceFrame = grimace;
        Width = width;
        Height = height;
        Face = face;
        NeutralLandmarks = neutralLandmarks;
        GrimaceLandmarks = grimaceLandmarks;
    }

    /// <summary>Gets the fixtures (built once per benchmark process).</summary>
    public static FaceFixtures Instance => LazyInstance.Value;

    /// <summary>Gets the shared 68-point predictor (dlib's model).</summary>
    public ShapePredictor Predictor { get; }

    /// <summary>Gets the daemon's alignment template (112 pixels).</summary>
    public FaceTemplate Template { get; }

    /// <summary>Gets the neutral frame (packed BGR24).</summary>
    public byte[] NeutralFrame { get; }

    /// <summary>Gets the same frame with the face in <see cref="GrimaceShape.FullGrimace"/>.</summary>
    public byte[] GrimaceFrame { get; }

    /// <summary>Gets the frame width.</summary>
    public int Width { get; }

    /// <summary>Gets the frame height.</summary>
    public int Height { get; }

    /// <summary>Gets the face BlazeFace front 128 finds on the neutral frame (whole frame, as the demo camera runs).</summary>
    public DetectedFace Face { get; }

    /// <summary>Gets the landmarks predicted in <see cref="Face"/>'s box on the neutral frame.</summary>
    public PointF[] NeutralLandmarks { get; }

    /// <summary>Gets the landmarks predicted in the grimace frame (box found on it).</summary>
    public PointF[] GrimaceLandmarks { get; }

    /// <summary>Gets the neutral frame as an image.</summary>
    public BgrImage Neutral => new(NeutralFrame, Width, Height, Width * 3);

    /// <summary>Gets the grimace frame as an image.</summary>
    public BgrImage Grimace => new(GrimaceFrame, Width, Height, Width * 3);

    /// <summary>Gets a 360x360 region of interest centred on the face (as a bed region would be configured).</summary>
    public PixelRect Region => new((Width - Height) / 2, 0, Height, Height);

    /// <summary>Creates the analyser the daemon creates per detect worker, with the default quality settings.</summary>
    /// <returns>The analyser.</returns>
    public LandmarkFaceAnalyzer CreateAnalyzer()
    {
        var quality = new FaceQualityOptions();
        return new LandmarkFaceAnalyzer(Predictor, Template, () => quality);
    }

    private static FaceFixtures Create()
    {
        var path = RepoPaths.Require("data/fixtures/astronaut.png", "scripts/fetch-fixtures");
        var predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(VisionFixtures.ModelsDirectory));
        var (pixels, width, height) = VisionFixtures.LoadBgr(path);

        // As `painstream demo-clip` does: BlazeFace back 256 finds the face in the source image, the scene frames it.
        DemoClipScene scene;
        using (var back = VisionFixtures.CreateDetector(BlazeFaceModel.Back))
        {
            scene = new DemoClipBuilder(back, predictor).CreateScene(new BgrImage(pixels, width, height, width * 3), new DemoClipOptions(), out _);
        }

        var neutral = new byte[scene.FrameBytes];
        var grimace = new byte[scene.FrameBytes];
        scene.Render(GrimaceShape.Neutral, neutral);
        scene.Render(GrimaceShape.FullGrimace, grimace);

        using var front = VisionFixtures.CreateDetector(BlazeFaceModel.Front);
        var face = Single(front.Detect(new BgrImage(neutral, scene.Width, scene.Height, scene.Width * 3)), "neutral");
        var grimaceFace = Single(front.Detect(new BgrImage(grimace, scene.Width, scene.Height, scene.Width * 3)), "grimace");
        var neutralLandmarks = new PointF[predictor.LandmarkCount];
        var grimaceLandmarks = new PointF[predictor.LandmarkCount];
        predictor.Predict(new BgrImage(neutral, scene.Width, scene.Height, scene.Width * 3), face.Box, neutralLandmarks);
        predictor.Predict(new BgrImage(grimace, scene.Width, scene.Height, scene.Width * 3), grimaceFace.Box, grimaceLandmarks);
        var template = FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize);
        return new FaceFixtures(predictor, template, neutral, grimace, scene.Width, scene.Height, face, neutralLandmarks, grimaceLandmarks);
    }

    private static DetectedFace Single(IReadOnlyList<DetectedFace> faces, string which) => faces.Count == 1
        ? faces[0]
        : throw new InvalidOperationException($"Expected one face on the {which} demo frame with BlazeFace front 128, found {faces.Count}.");
}
