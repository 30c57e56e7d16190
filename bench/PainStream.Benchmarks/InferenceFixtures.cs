// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.ML.OnnxRuntime;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Scoring.Onnx;
using PainStream.Vision.Alignment;
using PainStream.Inference.Onnx;

namespace PainStream.Benchmarks;

/// <summary>
/// What the inference benchmarks run on: the learned models <c>bench/make-models</c> writes to <c>artifacts/bench-models/</c>,
/// loaded through <see cref="OnnxModel.Load"/> on the execution provider chosen for the run, and a real aligned crop: the
/// demo scene's face (<see cref="FaceFixtures"/>), neutral or in the full grimace, aligned by the daemon's
/// <see cref="FaceAligner"/> into the 112-pixel crop the scorer takes.
/// </summary>
internal static class InferenceFixtures
{
    /// <summary>The environment variable that carries <c>--provider</c> into BenchmarkDotNet's child processes.</summary>
    public const string ProviderVariable = "PAINSTREAM_BENCH_PROVIDER";

    /// <summary>The models directory, relative to the repository root.</summary>
    public const string ModelsDirectory = "artifacts/bench-models";

    /// <summary>Gets the crop size in pixels.</summary>
    public static int CropSize => ModelManifest.CropSize;

    /// <summary>Gets the execution provider asked for: <c>cpu</c> (default) or <c>cuda</c>.</summary>
    public static string Provider
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(ProviderVariable);
            return string.IsNullOrEmpty(value) ? "cpu" : value.ToLowerInvariant();
        }
    }

    /// <summary>Gets ONNX Runtime's version string (the native library's).</summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Gets the path of one of <c>bench/make-models</c>' models.</summary>
    /// <param name="name"><c>example</c>, <c>dacnn-w05</c> or <c>resnet18</c>.</param>
    /// <returns>The .onnx path.</returns>
    public static string ModelPath(string name) => RepoPaths.Require($"{ModelsDirectory}/{name}.onnx", "bench/make-models");

    /// <summary>Loads a model on the provider asked for (<see cref="Provider"/>): ONNX Runtime's CPU provider, one intra-op thread, as the daemon's default <c>Scoring</c> settings; or CUDA, required (no fallback).</summary>
    /// <param name="path">The .onnx file (its manifest beside it).</param>
    /// <returns>The model; the caller owns it.</returns>
    public static OnnxModel LoadModel(string path) => Provider switch
    {
        "cpu" => OnnxModel.Load(path),
        "cuda" => OnnxModel.Load(path, CreateCudaSession),
        var other => throw new ArgumentException($"Unknown provider '{other}' (cpu, cuda)."),
    };

    /// <summary>Aligns the demo scene's face into a packed 112×112 BGR24 crop.</summary>
    /// <param name="grimace">The grimacing face rather than the neutral one.</param>
    /// <returns>The crop's pixels.</returns>
    public static byte[] AlignedCrop(bool grimace)
    {
        var fixtures = FaceFixtures.Instance;
        var aligner = new FaceAligner(fixtures.Template);
        var aligned = aligner.Align(grimace ? fixtures.Grimace : fixtures.Neutral, grimace ? fixtures.GrimaceLandmarks : fixtures.NeutralLandmarks);
        if (aligned.Image.Width != CropSize || aligned.Image.Height != CropSize)
        {
            throw new InvalidOperationException($"The aligner makes {aligned.Image.Width}×{aligned.Image.Height} crops; the models take {CropSize}×{CropSize}.");
        }

        var crop = new byte[CropSize * CropSize * 3];
        for (var y = 0; y < CropSize; y++)
        {
            aligned.Image.GetRow(y).CopyTo(crop.AsSpan(y * CropSize * 3, CropSize * 3));
        }

        return crop;
    }

    /// <summary>Views a packed crop as an image.</summary>
    /// <param name="crop">The crop's pixels.</param>
    /// <returns>The image.</returns>
    public static BgrImage View(byte[] crop) => new(crop, CropSize, CropSize, CropSize * 3);

    /// <summary>Gets the facial regions of the daemon's crop (what it passes for CAM explanations).</summary>
    /// <returns>The layout.</returns>
    public static FaceRegionLayout Regions()
    {
        var template = FaceFixtures.Instance.Template;
        return FaceRegionLayout.FromTemplate(template.Points, template.Size);
    }

    private static InferenceSession CreateCudaSession(string modelPath, out string executionProvider)
    {
        var session = OnnxSessionFactory.Create(modelPath, ExecutionProviderKind.Cuda, 1, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, out var active, "--provider");
        executionProvider = OnnxSessionFactory.ProviderName(active);
        return session;
    }
}
