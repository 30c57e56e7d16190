// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;
using PainStream.Core.Detection;
using PainStream.Scoring.Onnx;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Onnx;

/// <summary>Tiny real ONNX models written into a temp directory, and crops to feed them.</summary>
internal static class OnnxTestModels
{
    public const int CropBytes = 112 * 112 * 3;

    /// <summary>Writes <paramref name="model"/> (default: the tiny da5 logits model with CAM) and returns its path.</summary>
    public static string Write(TempDirectory dir, TinyPainModel? model = null, string name = "tiny", Action<JsonObject>? editManifest = null) =>
        (model ?? new TinyPainModel()).Write(dir.Path, name, editManifest);

    /// <summary>A reproducible pseudo-random crop (a face is not needed to check the arithmetic).</summary>
    public static byte[] Crop(int seed)
    {
        var bytes = new byte[CropBytes];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static BgrImage View(byte[] crop) => new(crop, 112, 112, 112 * 3);

    public static readonly double[] Da5Values = [0, 1, 2.5, 5, 8.5];

    public static OnnxModel Load(string path) => OnnxModel.Load(path);
}

/// <summary>The 112-pixel alignment template and its region layout (the dlib model is loaded once per process).</summary>
internal static class Template112
{
    private static readonly Lazy<Vision.Alignment.FaceTemplate> LazyTemplate = new(
        () => Vision.Alignment.FaceTemplate.FromModel(Vision.Landmarks.ShapePredictorModel.LoadFace68(TestPaths.Models), 112));

    private static readonly Lazy<FaceRegionLayout> LazyLayout = new(() => FaceRegionLayout.FromTemplate(LazyTemplate.Value.Points, 112));

    public static Vision.Alignment.FaceTemplate Template => LazyTemplate.Value;

    public static FaceRegionLayout Layout => LazyLayout.Value;
}
