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

    /// <summary>The contract's tensor of a crop, computed the slow, obvious way.</summary>
    public static float[] Tensor(byte[] crop, bool rgb = true, double scale = 255, double mean = 0.5, double std = 0.5)
    {
        var tensor = new float[3 * 112 * 112];
        for (var c = 0; c < 3; c++)
        {
            var source = rgb ? 2 - c : c;
            for (var y = 0; y < 112; y++)
            {
                for (var x = 0; x < 112; x++)
                {
                    tensor[(c * 112 * 112) + (y * 112) + x] = (float)(((crop[(((y * 112) + x) * 3) + source] / scale) - mean) / std);
                }
            }
        }

        return tensor;
    }

    /// <summary>The expected score of a crop by the hand-written forward pass: softmax(logits / T), Σ p·value, max p.</summary>
    public static (double Pspi, double Confidence, int Class, double[] Features) Expected(TinyPainModel model, byte[] crop, double temperature, double[] values)
    {
        var outputs = model.Forward(Tensor(crop), out var features);
        double[] p;
        if (model.Probabilities)
        {
            p = outputs;
        }
        else
        {
            var max = outputs.Max(v => v / temperature);
            var e = outputs.Select(v => Math.Exp((v / temperature) - max)).ToArray();
            p = [.. e.Select(v => v / e.Sum())];
        }

        var best = Array.IndexOf(p, p.Max());
        return (p.Zip(values, (a, b) => a * b).Sum(), p.Max(), best, features);
    }

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
