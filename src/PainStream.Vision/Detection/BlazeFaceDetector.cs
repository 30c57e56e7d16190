// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Inference.Onnx;

namespace PainStream.Vision.Detection;

/// <summary>
/// MediaPipe BlazeFace on ONNX Runtime: letterboxes the image into the model's square input, runs the graph, decodes the 896
/// anchors and merges overlaps with weighted NMS. Boxes and keypoints come back in the coordinates of the image passed in.
/// <see cref="DetectBatch"/> runs several images through the batch-dynamic graph together (issue 14 item 2).
/// </summary>
/// <remarks>
/// Thread-safe: one <see cref="InferenceSession"/> is shared (its <c>Run</c> is thread-safe) and each concurrent call takes
/// a workspace (pinned input and output buffers bound as <see cref="OrtValue"/>s per batch size, candidate arrays) from a
/// pool, so a call allocates only its result lists once the workspace has grown to the batch sizes it sees.
/// </remarks>
public sealed class BlazeFaceDetector : IFaceDetector
{
    /// <summary>
    /// The most images one ONNX Runtime run takes: <see cref="DetectBatch"/> splits a longer batch into runs of this many.
    /// It bounds a workspace's buffers (16 back-256 inputs are 12 MiB of floats); batches beyond 8 gain little on CPU.
    /// </summary>
    public const int MaxRunBatch = 16;

    private static readonly float[] ByteToUnit = CreateByteToUnit();

    private readonly InferenceSession _session;
    private readonly BlazeFaceModel _model;
    private readonly float[] _anchors;
    private readonly int _anchorCount;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int[] _layerAnchors;
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
        : this(model, model?.RelativePath!, modelsDirectory, options, logger)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BlazeFaceDetector"/> class on another file of the model's layout.</summary>
    /// <param name="model">The layout (input size, anchors).</param>
    /// <param name="relativePath">The graph file relative to <paramref name="modelsDirectory"/> (tests: the fixed-batch npm file).</param>
    /// <param name="modelsDirectory">The models directory.</param>
    /// <param name="options">Thresholds, execution provider and threads.</param>
    /// <param name="logger">Logger.</param>
    internal BlazeFaceDetector(BlazeFaceModel model, string relativePath, string modelsDirectory, DetectionOptions options, ILogger logger)
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

        ModelPath = ModelFile.Verify(modelsDirectory, relativePath);
        _session = OnnxSessionFactory.Create(ModelPath, options.ExecutionProvider, options.IntraOpThreads, logger, out var active);
        try
        {
            bool dynamicBatch;
            (_inputNames, _outputNames, _layerAnchors, dynamicBatch) = CheckGraph(_session, model, _anchorCount, ModelPath);
            MaxBatchSize = dynamicBatch ? MaxRunBatch : 1;
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

    /// <summary>
    /// Gets the most images one run takes: <see cref="MaxRunBatch"/> for a batch-dynamic graph, 1 for a graph whose batch is
    /// fixed at 1 (the npm files), where <see cref="DetectBatch"/> runs the images one by one.
    /// </summary>
    public int MaxBatchSize { get; }

    /// <inheritdoc/>
    public IReadOnlyList<DetectedFace> Detect(BgrImage image) => Detect((FrameImage)image);

    /// <inheritdoc/>
    /// <remarks>An I420 view is letterboxed plane by plane and only the model-sized result is converted to RGB.</remarks>
    public IReadOnlyList<DetectedFace> Detect(FrameImage image)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var workspace = Rent(1);
        try
        {
            var letterbox = Letterbox.Fit(image.Width, image.Height, _model.InputSize);
            workspace.Fill(0, image, letterbox);
            Run(workspace, 1);
            return DecodeSlot(workspace, 0, letterbox);
        }
        finally
        {
            Return(workspace);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The images are letterboxed into consecutive slices of one input tensor, <see cref="MaxBatchSize"/> at a time, each
    /// group runs once, and each image's anchors are decoded from its slice of the outputs.
    /// </remarks>
    public void DetectBatch(IBgrImageBatch images, Span<IReadOnlyList<DetectedFace>> results)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var count = images.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(results.Length, count, nameof(results));
        if (count == 0)
        {
            return;
        }

        var cap = MaxBatchSize;
        var workspace = Rent(Math.Min(count, cap));
        try
        {
            for (var start = 0; start < count; start += cap)
            {
                var n = Math.Min(cap, count - start);
                for (var slot = 0; slot < n; slot++)
                {
                    var image = images.GetFrameImage(start + slot);
                    workspace.Fill(slot, image, Letterbox.Fit(image.Width, image.Height, _model.InputSize));
                }

                Run(workspace, n);
                for (var slot = 0; slot < n; slot++)
                {
                    results[start + slot] = DecodeSlot(workspace, slot, workspace.LetterboxOf(slot));
                }
            }
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

    private static (string[] Inputs, string[] Outputs, int[] LayerAnchors, bool DynamicBatch) CheckGraph(InferenceSession session, BlazeFaceModel model, int anchorCount, string path)
    {
        var size = model.InputSize;
        if (session.InputMetadata.Count != 1)
        {
            throw Mismatch(path, $"it has {session.InputMetadata.Count} inputs, expected 1");
        }

        // The batch dimension is 1 in the npm files and symbolic (-1 here) in the _batch copies models/fetch writes.
        var (inputName, input) = session.InputMetadata.First();
        var batch = input.Dimensions.Length == 4 ? input.Dimensions[0] : 0;
        if (input.ElementDataType != TensorElementType.Float || batch is not (1 or -1) || !input.Dimensions.AsSpan(1).SequenceEqual([size, size, 3]))
        {
            throw Mismatch(path, $"input '{inputName}' is {input.ElementDataType} [{string.Join(",", input.Dimensions)}], expected Float [1,{size},{size},3] or [batch,{size},{size},3]");
        }

        // Scores are [N, n, 1] and regressors [N, n, 16] per SSD layer group; the larger feature map comes first.
        var scores = new List<(string Name, int Anchors)>();
        var regressors = new List<(string Name, int Anchors)>();
        foreach (var (name, meta) in session.OutputMetadata)
        {
            var d = meta.Dimensions;
            if (meta.ElementDataType != TensorElementType.Float || d.Length != 3 || d[0] != batch || d[1] <= 0)
            {
                throw Mismatch(path, $"output '{name}' is {meta.ElementDataType} [{string.Join(",", d)}], expected Float [{batch},n,1] or [{batch},n,16]");
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
        var layers = new int[scores.Count];
        for (var i = 0; i < scores.Count; i++)
        {
            if (scores[i].Anchors != regressors[i].Anchors)
            {
                throw Mismatch(path, $"score output '{scores[i].Name}' and regressor output '{regressors[i].Name}' disagree on the anchor count");
            }

            outputs[i] = scores[i].Name;
            outputs[scores.Count + i] = regressors[i].Name;
            layers[i] = scores[i].Anchors;
        }

        return ([inputName], outputs, layers, batch == -1);
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

    private void Run(Workspace workspace, int batch) =>
        _session.Run(workspace.RunOptions, _inputNames, workspace.InputsFor(batch), _outputNames, workspace.OutputsFor(batch));

    /// <summary>Decodes one image's anchors from its slice of each output layer, merges them and maps them to the image.</summary>
    private DetectedFace[] DecodeSlot(Workspace workspace, int slot, Letterbox letterbox)
    {
        var count = 0;
        var anchorStart = 0;
        for (var layer = 0; layer < _layerAnchors.Length; layer++)
        {
            var anchors = _layerAnchors[layer];
            count += BlazeFaceDecoder.Decode(
                workspace.Scores[layer].AsSpan(slot * anchors, anchors),
                workspace.Regressors[layer].AsSpan(slot * anchors * BlazeFaceDecoder.RegressorLength, anchors * BlazeFaceDecoder.RegressorLength),
                _anchors.AsSpan(anchorStart * 2, anchors * 2),
                _model.InputSize,
                _minScore,
                workspace.Candidates.AsSpan(count));
            anchorStart += anchors;
        }

        var kept = BlazeFaceDecoder.WeightedNonMaxSuppression(workspace.Candidates.AsSpan(0, count), _nmsIoU, workspace.Kept);
        return ToFaces(workspace.Kept.AsSpan(0, kept), letterbox);
    }

    private Workspace Rent(int batch)
    {
        if (!_workspaces.TryTake(out var workspace))
        {
            workspace = new Workspace(_model.InputSize, _anchorCount, _maxFaces, _layerAnchors, MaxBatchSize);
        }

        workspace.EnsureCapacity(batch);
        return workspace;
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

    /// <summary>
    /// The buffers one concurrent call needs: the letterboxed pixels and the float input of up to <see cref="Capacity"/>
    /// images, each output layer's scores and regressors for as many, and the <see cref="OrtValue"/>s binding them for each
    /// batch size used so far. Created on demand, grown (to a power of two, at most the detector's cap) when a larger batch
    /// comes, reused through the pool.
    /// </summary>
    internal sealed class Workspace : IDisposable
    {
        private readonly int _size;
        private readonly int _imageFloats;
        private readonly int[] _layerAnchors;
        private readonly int _maxCapacity;
        private byte[] _pixels = [];
        private byte[] _planes = [];
        private float[] _input = [];
        private Letterbox[] _letterboxes = [];
        private Letterbox[] _pixelGeometry = [];
        private OrtValue[]?[] _inputs = [];
        private OrtValue[]?[] _outputs = [];

        /// <summary>Initializes a new instance of the <see cref="Workspace"/> class for one image.</summary>
        /// <param name="size">The model's square input size.</param>
        /// <param name="anchorCount">The anchors per image.</param>
        /// <param name="maxFaces">The most faces one image reports.</param>
        /// <param name="layerAnchors">The anchors of each output layer group, in output order.</param>
        /// <param name="maxCapacity">The most images it may grow to hold.</param>
        public Workspace(int size, int anchorCount, int maxFaces, int[] layerAnchors, int maxCapacity)
        {
            _size = size;
            _imageFloats = size * size * 3;
            _layerAnchors = layerAnchors;
            _maxCapacity = maxCapacity;
            Scores = new float[layerAnchors.Length][];
            Regressors = new float[layerAnchors.Length][];
            Candidates = new FaceCandidate[anchorCount];
            Kept = new FaceCandidate[maxFaces];
            RunOptions = new RunOptions();
            EnsureCapacity(1);
        }

        public RunOptions RunOptions { get; }

        /// <summary>Gets how many images the buffers hold.</summary>
        public int Capacity { get; private set; }

        /// <summary>Gets each output layer's scores, image after image.</summary>
        public float[][] Scores { get; }

        /// <summary>Gets each output layer's regressors, image after image.</summary>
        public float[][] Regressors { get; }

        public FaceCandidate[] Candidates { get; }

        public FaceCandidate[] Kept { get; }

        /// <summary>Grows the buffers to hold at least <paramref name="batch"/> images (dropping the bound values).</summary>
        public void EnsureCapacity(int batch)
        {
            if (batch <= Capacity)
            {
                return;
            }

            if (batch > _maxCapacity)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), batch, $"A run takes at most {_maxCapacity} images.");
            }

            ReleaseValues();
            var capacity = Math.Min(_maxCapacity, (int)BitOperations.RoundUpToPowerOf2((uint)batch));

            // Pinned: OpenCV writes the resized images into it through a pointer.
            _pixels = GC.AllocateArray<byte>(capacity * _imageFloats, pinned: true);
            _input = new float[capacity * _imageFloats];
            _letterboxes = new Letterbox[capacity];
            _pixelGeometry = new Letterbox[capacity];
            for (var layer = 0; layer < _layerAnchors.Length; layer++)
            {
                Scores[layer] = new float[capacity * _layerAnchors[layer]];
                Regressors[layer] = new float[capacity * _layerAnchors[layer] * BlazeFaceDecoder.RegressorLength];
            }

            _inputs = new OrtValue[capacity][];
            _outputs = new OrtValue[capacity][];
            Capacity = capacity;
        }

        /// <summary>Gets the input value for a run of <paramref name="batch"/> images (bound on first use).</summary>
        public OrtValue[] InputsFor(int batch)
        {
            Bind(batch);
            return _inputs[batch - 1]!;
        }

        /// <summary>Gets the output values for a run of <paramref name="batch"/> images (bound on first use).</summary>
        public OrtValue[] OutputsFor(int batch)
        {
            Bind(batch);
            return _outputs[batch - 1]!;
        }

        /// <summary>Gets the letterbox slot <paramref name="slot"/> was last filled with.</summary>
        public Letterbox LetterboxOf(int slot) => _letterboxes[slot];

        /// <summary>Letterboxes <paramref name="image"/> into slot <paramref name="slot"/> of the input tensor as RGB in [-1, 1] (bars are black, -1).</summary>
        public void Fill(int slot, FrameImage image, Letterbox letterbox)
        {
            if (image.Format == FramePixelFormat.I420)
            {
                FillI420(slot, image, letterbox);
            }
            else
            {
                Fill(slot, image.Bgr, letterbox);
            }
        }

        /// <summary>
        /// The I420 letterbox: the Y, U and V planes are each resized to the letterboxed area (no full-frame colour conversion),
        /// then converted to RGB in [-1, 1] with BT.601 limited-range coefficients (what ffmpeg's <c>bgr24</c> output uses).
        /// </summary>
        public unsafe void FillI420(int slot, FrameImage image, Letterbox letterbox)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Capacity, nameof(slot));

            // The BGR path's byte slot is not touched (its bars stay valid for its own geometry).
            _letterboxes[slot] = letterbox;
            var area = _size * _size;
            if (_planes.Length == 0)
            {
                // Pinned: OpenCV writes the resized planes into it through a pointer. One image at a time, once per workspace.
                _planes = GC.AllocateArray<byte>(area * 3, pinned: true);
            }

            int rw = letterbox.ResizedWidth, rh = letterbox.ResizedHeight;
            ResizePlane(image.Y, _planes.AsSpan(0, area), rw, rh);
            ResizePlane(image.U, _planes.AsSpan(area, area), rw, rh);
            ResizePlane(image.V, _planes.AsSpan(2 * area, area), rw, rh);

            var input = _input.AsSpan(slot * _imageFloats, _imageFloats);
            input.Fill(-1f);
            var planes = _planes.AsSpan();
            const float Scale = 1f / 127.5f;
            for (var row = 0; row < rh; row++)
            {
                var y = planes.Slice(row * rw, rw);
                var u = planes.Slice(area + (row * rw), rw);
                var v = planes.Slice((2 * area) + (row * rw), rw);
                var o = input.Slice((((row + letterbox.PadY) * _size) + letterbox.PadX) * 3, rw * 3);
                for (var x = 0; x < rw; x++)
                {
                    var c = 1.164383f * (y[x] - 16);
                    var d = u[x] - 128;
                    var e = v[x] - 128;
                    var r = Math.Clamp(c + (1.596027f * e), 0f, 255f);
                    var g = Math.Clamp(c - (0.391762f * d) - (0.812968f * e), 0f, 255f);
                    var b = Math.Clamp(c + (2.017232f * d), 0f, 255f);
                    o[3 * x] = (r * Scale) - 1f;
                    o[(3 * x) + 1] = (g * Scale) - 1f;
                    o[(3 * x) + 2] = (b * Scale) - 1f;
                }
            }
        }

        /// <summary>Letterboxes packed BGR pixels into slot <paramref name="slot"/>.</summary>
        public unsafe void Fill(int slot, BgrImage image, Letterbox letterbox)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Capacity, nameof(slot));
            var pixels = _pixels.AsSpan(slot * _imageFloats, _imageFloats);
            _letterboxes[slot] = letterbox;
            if (letterbox != _pixelGeometry[slot])
            {
                // Only the bars need clearing, and only when the slot's geometry changes; the image area is overwritten below.
                pixels.Clear();
                _pixelGeometry[slot] = letterbox;
            }

            var rowBytes = _size * 3;
            fixed (byte* source = image.Data)
            {
                fixed (byte* target = pixels)
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
            var input = _input.AsSpan(slot * _imageFloats, _imageFloats);
            for (var i = 0; i + 2 < pixels.Length; i += 3)
            {
                input[i] = table[pixels[i + 2]];
                input[i + 1] = table[pixels[i + 1]];
                input[i + 2] = table[pixels[i]];
            }
        }

        public void Dispose()
        {
            ReleaseValues();
            RunOptions.Dispose();
        }

        /// <summary>Resizes one plane into <paramref name="target"/>, packed at <paramref name="width"/> bytes per row.</summary>
        private static unsafe void ResizePlane(GrayImage plane, Span<byte> target, int width, int height)
        {
            fixed (byte* source = plane.Data)
            {
                fixed (byte* destination = target)
                {
                    using var src = Mat.FromPixelData(plane.Height, plane.Width, MatType.CV_8UC1, (IntPtr)source, plane.Stride);
                    using var dst = Mat.FromPixelData(height, width, MatType.CV_8UC1, (IntPtr)destination, width);
                    var shrinking = width < plane.Width;
                    Cv2.Resize(src, dst, new Size(width, height), 0, 0, shrinking ? InterpolationFlags.Area : InterpolationFlags.Linear);
                    if (dst.Data != (IntPtr)destination)
                    {
                        ThrowReallocated();
                    }
                }
            }
        }

        private static void ThrowReallocated() =>
            throw new InvalidOperationException("OpenCV reallocated the letterbox buffer; the resize target's size or type is wrong.");

        private void Bind(int batch)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, Capacity);
            if (_inputs[batch - 1] is not null)
            {
                return;
            }

            var inputs = new OrtValue[1];
            inputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, batch * _imageFloats), [batch, _size, _size, 3]);
            _inputs[batch - 1] = inputs;

            // Each output layer is bound to the first batch images' part of its own array, so image i's anchors of a layer are
            // the i-th consecutive slice.
            var layers = _layerAnchors.Length;
            var outputs = new OrtValue[layers * 2];
            for (var layer = 0; layer < layers; layer++)
            {
                var anchors = _layerAnchors[layer];
                outputs[layer] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Scores[layer].AsMemory(0, batch * anchors), [batch, anchors, 1]);
                outputs[layers + layer] = OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, Regressors[layer].AsMemory(0, batch * anchors * BlazeFaceDecoder.RegressorLength), [batch, anchors, BlazeFaceDecoder.RegressorLength]);
            }

            _outputs[batch - 1] = outputs;
        }

        private void ReleaseValues()
        {
            foreach (var set in _inputs.Concat(_outputs))
            {
                if (set is null)
                {
                    continue;
                }

                foreach (var value in set)
                {
                    value.Dispose();
                }
            }

            Array.Clear(_inputs);
            Array.Clear(_outputs);
        }
    }
}
