// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Inference.Onnx;

namespace PainStream.Vision.Detection;

/// <summary>
/// MediaPipe BlazeFace on ONNX Runtime: letterboxes the image into the model's square input, runs the graph, decodes the 896
/// anchors and merges overlaps with weighted NMS. Boxes and keypoints come back in the coordinates of the image passed in.
/// </summary>
/// <remarks>
/// Thread-safe: one <see cref="InferenceSession"/> is shared (its <c>Run</c> is thread-safe) and each concurrent call takes
/// a workspace (pinned input and output buffers bound as <see cref="OrtValue"/>s, candidate arrays) from a pool, so a call
/// allocates only its result list.
/// </remarks>
public sealed class BlazeFaceDetector : IFaceDetector
{
    private static readonly float[] ByteToUnit = CreateByteToUnit();

    private readonly InferenceSession _session;
    private readonly BlazeFaceModel _model;
    private readonly float[] _anchors;
    private readonly int _anchorCount;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[][] _outputShapes;
    private readonly float _minScore;
    private readonly float _nmsIoU;
    private readonly int _maxFaces;
    private readonly ConcurrentBag<Workspace> _workspaces = [];
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="BlazeFaceDetector"/> class.</summary>
    /// <param name="model">Which BlazeFace graph to run.</param>
    /// <param name="modelsDirectory">The models directory holding <c>manifest.json</c> and the graph (see <c>models/fetch</c>).</param>
    /// <param name="options">Thresholds, execution provider and threads.</param>
    /// <param name="logger">Logs which execution provider runs the model.</param>
    /// <exception cref="ModelFileException">
    /// The model file is missing or corrupt, ONNX Runtime cannot load it, its inputs and outputs do not match the BlazeFace
    /// layout, or CUDA was required and cannot be used. The message names the file.
    /// </exception>
    public BlazeFaceDetector(BlazeFaceModel model, string modelsDirectory, DetectionOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _model = model;
        _minScore = (float)options.MinScore;
        _nmsIoU = (float)options.NmsIoU;
        _maxFaces = options.MaxFaces;
        _anchors = model.GenerateAnchors();
        _anchorCount = _anchors.Length / 2;

        ModelPath = ModelFile.Verify(modelsDirectory, model.RelativePath);
        _session = OnnxSessionFactory.Create(ModelPath, options.ExecutionProvider, options.IntraOpThreads, logger, out var active);
        try
        {
            (_inputNames, _outputNames, _outputShapes) = CheckGraph(_session, model, _anchorCount, ModelPath);
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        ExecutionProvider = active;
        logger.DetectorLoaded(Name, ModelPath, active == ExecutionProviderKind.Cuda ? OnnxSessionFactory.CudaProviderName : "CPUExecutionProvider", options.IntraOpThreads);
    }

    /// <inheritdoc/>
    public string Name => _model.Name;

    /// <summary>Gets the verified model file's full path.</summary>
    public string ModelPath { get; }

    /// <summary>Gets the execution provider the session runs on: <see cref="ExecutionProviderKind.Cpu"/> or <see cref="ExecutionProviderKind.Cuda"/>.</summary>
    public ExecutionProviderKind ExecutionProvider { get; }

    /// <summary>Gets the model this detector runs.</summary>
    public BlazeFaceModel Model => _model;

    /// <inheritdoc/>
    public IReadOnlyList<DetectedFace> Detect(BgrImage image)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var workspace = Rent();
        try
        {
            var letterbox = Letterbox.Fit(image.Width, image.Height, _model.InputSize);
            workspace.Fill(image, letterbox);
            _session.Run(workspace.RunOptions, _inputNames, workspace.Inputs, _outputNames, workspace.Outputs);
            var count = BlazeFaceDecoder.Decode(workspace.Scores, workspace.Regressors, _anchors, _model.InputSize, _minScore, workspace.Candidates);
            var kept = BlazeFaceDecoder.WeightedNonMaxSuppression(workspace.Candidates.AsSpan(0, count), _nmsIoU, workspace.Kept);
            return ToFaces(workspace.Kept.AsSpan(0, kept), letterbox);
        }
        finally
        {
            Return(workspace);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_workspaces.TryTake(out var workspace))
        {
            workspace.Dispose();
        }

        _session.Dispose();
    }

    /// <summary>Maps merged detections from normalised input coordinates to image coordinates.</summary>
    /// <param name="detections">The detections, best first.</param>
    /// <param name="letterbox">The letterbox the input was built with.</param>
    /// <returns>The faces.</returns>
    internal static DetectedFace[] ToFaces(ReadOnlySpan<FaceCandidate> detections, Letterbox letterbox)
    {
        if (detections.IsEmpty)
        {
            return [];
        }

        var faces = new DetectedFace[detections.Length];
        for (var i = 0; i < detections.Length; i++)
        {
            ref readonly var d = ref detections[i];
            var left = letterbox.ToImageX(d.CenterX - (d.Width / 2));
            var top = letterbox.ToImageY(d.CenterY - (d.Height / 2));
            var right = letterbox.ToImageX(d.CenterX + (d.Width / 2));
            var bottom = letterbox.ToImageY(d.CenterY + (d.Height / 2));
            var keypoints = new PointF[BlazeFaceDecoder.KeypointCount];
            for (var k = 0; k < keypoints.Length; k++)
            {
                keypoints[k] = letterbox.ToImage(d.Keypoints[2 * k], d.Keypoints[(2 * k) + 1]);
            }

            faces[i] = new DetectedFace(new BoxF(left, top, right - left, bottom - top), d.Score, keypoints);
        }

        return faces;
    }

    private static (string[] Inputs, string[] Outputs, long[][] OutputShapes) CheckGraph(InferenceSession session, BlazeFaceModel model, int anchorCount, string path)
    {
        var size = model.InputSize;
        if (session.InputMetadata.Count != 1)
        {
            throw Mismatch(path, $"it has {session.InputMetadata.Count} inputs, expected 1");
        }

        var (inputName, input) = session.InputMetadata.First();
        if (input.ElementDataType != TensorElementType.Float || !input.Dimensions.AsSpan().SequenceEqual([1, size, size, 3]))
        {
            throw Mismatch(path, $"input '{inputName}' is {input.ElementDataType} [{string.Join(",", input.Dimensions)}], expected Float [1,{size},{size},3]");
        }

        // Scores are [1, n, 1] and regressors [1, n, 16] per SSD layer group; the larger feature map comes first.
        var scores = new List<(string Name, int Anchors)>();
        var regressors = new List<(string Name, int Anchors)>();
        foreach (var (name, meta) in session.OutputMetadata)
        {
            var d = meta.Dimensions;
            if (meta.ElementDataType != TensorElementType.Float || d.Length != 3 || d[0] != 1 || d[1] <= 0)
            {
                throw Mismatch(path, $"output '{name}' is {meta.ElementDataType} [{string.Join(",", d)}], expected Float [1,n,1] or [1,n,16]");
            }

            if (d[2] == 1)
            {
                scores.Add((name, d[1]));
            }
            else if (d[2] == BlazeFaceDecoder.RegressorLength)
            {
                regressors.Add((name, d[1]));
            }
            else
            {
                throw Mismatch(path, $"output '{name}' has last dimension {d[2]}, expected 1 or {BlazeFaceDecoder.RegressorLength}");
            }
        }

        scores.Sort(static (a, b) => b.Anchors.CompareTo(a.Anchors));
        regressors.Sort(static (a, b) => b.Anchors.CompareTo(a.Anchors));
        var total = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            total += scores[i].Anchors;
        }

        if (scores.Count != regressors.Count || total != anchorCount)
        {
            throw Mismatch(path, $"its outputs cover {total} anchors in {scores.Count} score and {regressors.Count} regressor tensors; the {model.Name} layout has {anchorCount}");
        }

        var outputs = new string[scores.Count * 2];
        var shapes = new long[scores.Count * 2][];
        for (var i = 0; i < scores.Count; i++)
        {
            if (scores[i].Anchors != regressors[i].Anchors)
            {
                throw Mismatch(path, $"score output '{scores[i].Name}' and regressor output '{regressors[i].Name}' disagree on the anchor count");
            }

            outputs[i] = scores[i].Name;
            shapes[i] = [1, scores[i].Anchors, 1];
            outputs[scores.Count + i] = regressors[i].Name;
            shapes[scores.Count + i] = [1, regressors[i].Anchors, BlazeFaceDecoder.RegressorLength];
        }

        return ([inputName], outputs, shapes);
    }

    private static ModelFileException Mismatch(string path, string detail) =>
        new($"Model file '{path}' does not look like a BlazeFace graph: {detail}.", path);

    private static float[] CreateByteToUnit()
    {
        var table = new float[256];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (i / 127.5f) - 1f;
        }

        return table;
    }

    private Workspace Rent()
    {
        if (_workspaces.TryTake(out var workspace))
        {
            return workspace;
        }

        return new Workspace(_model.InputSize, _anchorCount, _maxFaces, _outputShapes);
    }

    private void Return(Workspace workspace)
    {
        _workspaces.Add(workspace);

        // A call that raced with Dispose returns after the pool was drained: release it here instead.
        if (Volatile.Read(ref _disposed) != 0 && _workspaces.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    /// <summary>The buffers one concurrent call needs. Created on demand, reused through the pool.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly int _size;
        private readonly byte[] _pixels;
        private readonly float[] _input;
        private readonly OrtValue _inputValue;
        private Letterbox _lastLetterbox;

        public Workspace(int size, int anchorCount, int maxFaces, long[][] outputShapes)
        {
            _size = size;

            // Pinned: OpenCV writes the resized image into it through a pointer.
            _pixels = GC.AllocateArray<byte>(size * size * 3, pinned: true);
            _input = new float[size * size * 3];
            Scores = new float[anchorCount];
            Regressors = new float[anchorCount * BlazeFaceDecoder.RegressorLength];
            Candidates = new FaceCandidate[anchorCount];
            Kept = new FaceCandidate[maxFaces];
            RunOptions = new RunOptions();
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, size, size, 3]);
            Inputs = [_inputValue];

            // The graph's score (then regressor) outputs are bound to consecutive slices of one array each, so the decoder
            // sees all anchors in order.
            var layers = outputShapes.Length / 2;
            Outputs = new OrtValue[outputShapes.Length];
            int scoreOffset = 0, regressorOffset = 0;
            for (var i = 0; i < layers; i++)
            {
                var anchors = (int)outputShapes[i][1];
                Outputs[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Scores.AsMemory(scoreOffset, anchors), outputShapes[i]);
                var length = anchors * BlazeFaceDecoder.RegressorLength;
                Outputs[layers + i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Regressors.AsMemory(regressorOffset, length), outputShapes[layers + i]);
                scoreOffset += anchors;
                regressorOffset += length;
            }
        }

        public RunOptions RunOptions { get; }

        public OrtValue[] Inputs { get; }

        public OrtValue[] Outputs { get; }

        public float[] Scores { get; }

        public float[] Regressors { get; }

        public FaceCandidate[] Candidates { get; }

        public FaceCandidate[] Kept { get; }

        /// <summary>Letterboxes <paramref name="image"/> into the input tensor as RGB in [-1, 1] (bars are black, -1).</summary>
        public unsafe void Fill(BgrImage image, Letterbox letterbox)
        {
            if (letterbox != _lastLetterbox)
            {
                // Only the bars need clearing, and only when the geometry changes; the image area is overwritten below.
                Array.Clear(_pixels);
                _lastLetterbox = letterbox;
            }

            var rowBytes = _size * 3;
            fixed (byte* source = image.Data)
            {
                fixed (byte* target = _pixels)
                {
                    var offset = (letterbox.PadY * rowBytes) + (letterbox.PadX * 3);
                    using var src = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, (IntPtr)source, image.Stride);
                    using var dst = Mat.FromPixelData(letterbox.ResizedHeight, letterbox.ResizedWidth, MatType.CV_8UC3, (IntPtr)(target + offset), rowBytes);
                    var shrinking = letterbox.ResizedWidth < image.Width;
                    Cv2.Resize(src, dst, new Size(letterbox.ResizedWidth, letterbox.ResizedHeight), 0, 0, shrinking ? InterpolationFlags.Area : InterpolationFlags.Linear);
                    if (dst.Data != (IntPtr)(target + offset))
                    {
                        ThrowReallocated();
                    }
                }
            }

            // BGR bytes -> RGB floats in [-1, 1].
            var table = ByteToUnit.AsSpan();
            var pixels = _pixels.AsSpan();
            var input = _input.AsSpan();
            for (var i = 0; i + 2 < pixels.Length; i += 3)
            {
                input[i] = table[pixels[i + 2]];
                input[i + 1] = table[pixels[i + 1]];
                input[i + 2] = table[pixels[i]];
            }
        }

        public void Dispose()
        {
            _inputValue.Dispose();
            foreach (var value in Outputs)
            {
                value.Dispose();
            }

            RunOptions.Dispose();
        }

        private static void ThrowReallocated() =>
            throw new InvalidOperationException("OpenCV reallocated the letterbox buffer; the resize target's size or type is wrong.");
    }
}
