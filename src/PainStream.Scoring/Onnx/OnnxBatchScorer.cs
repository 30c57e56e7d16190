// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PainStream.Core.Alerting;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Scoring;

namespace PainStream.Scoring.Onnx;

/// <summary>Batching settings of an <see cref="OnnxBatchScorer"/>.</summary>
public sealed record OnnxBatchOptions
{
    /// <summary>The default largest batch.</summary>
    public const int DefaultMaxBatchSize = 16;

    /// <summary>The default longest wait for a batch to fill.</summary>
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromMilliseconds(35);

    /// <summary>Gets the largest number of faces in one session run. <value>The default value is 16.</value></summary>
    public int MaxBatchSize { get; init; } = DefaultMaxBatchSize;

    /// <summary>
    /// Gets how long the first face of a batch waits for others before the batch runs anyway.
    /// <value>The default value is 35 ms.</value>
    /// </summary>
    public TimeSpan MaxWait { get; init; } = DefaultMaxWait;

    /// <summary>
    /// Gets how many faces may wait for the model; beyond that a face is answered "scorer overloaded" at once (the detect
    /// workers never block on the model). <value>The default value is 0: four batches.</value>
    /// </summary>
    public int QueueCapacity { get; init; }
}

/// <summary>
/// Scores aligned face crops with one learned model, collecting faces from every camera into one session run: a batch runs
/// when it holds <see cref="OnnxBatchOptions.MaxBatchSize"/> faces or when its first face has waited
/// <see cref="OnnxBatchOptions.MaxWait"/> (on the injected <see cref="TimeProvider"/>).
/// </summary>
/// <remarks>
/// <para><b>Flow.</b> <see cref="Submit"/> (any detect worker) copies the crop into a pooled buffer and queues it on a bounded
/// channel; it never blocks (a full queue answers "scorer overloaded"). One loop (<see cref="RunAsync"/>) takes up to a batch,
/// writes each crop's tensor straight into its slot of the preallocated batch input, runs the session with preallocated
/// output buffers bound as <see cref="OrtValue"/>s, and completes each face: p = softmax(logits / T) (or the probabilities as
/// they are), expected PSPI = Σ p_k·value_k, confidence = max p, and, when the model exports them, the predicted class's
/// activation map summarised by facial region. A batch that throws completes its faces "cannot score" with the reason and
/// the loop goes on.</para>
/// <para><b>Memory.</b> Per face, after warm-up: no allocation in tensor prep, inference binding or post-processing; the crop
/// buffer is rented from <see cref="ArrayPool{T}.Shared"/> and returned once its tensor is written. The only per-face object
/// is the <see cref="PendingCropScore"/> the caller keeps.</para>
/// <para><b>Ownership.</b> The scorer owns the model (and so the session), the bound <see cref="OrtValue"/>s and the run
/// options; dispose it after <see cref="RunAsync"/> has returned.</para>
/// </remarks>
public sealed class OnnxBatchScorer : IDisposable
{
    /// <summary>Reason given when the queue to the model is full.</summary>
    public const string OverloadedReason = "scorer overloaded";

    /// <summary>Reason given to faces still queued when the scorer stops.</summary>
    public const string StoppedReason = "scorer stopped";

    /// <summary>Reason prefix given to the faces of a batch that failed.</summary>
    public const string FailedReason = "model failed";

    private readonly OnnxModel _model;
    private readonly CropTensorWriter _tensors;
    private readonly RegionGrid? _regions;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly int _cropBytes;
    private readonly Channel<Request> _queue;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly float[] _features;
    private readonly float[] _cam;
    private readonly float[] _probabilities;
    private readonly Request[] _batch;
    private readonly Bound?[] _bound;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="OnnxBatchScorer"/> class.</summary>
    /// <param name="model">The model; the scorer takes ownership.</param>
    /// <param name="options">Batching settings.</param>
    /// <param name="regions">The facial regions of the crop for CAM explanations, or <see langword="null"/> for none.</param>
    /// <param name="logger">Logs failed batches.</param>
    public OnnxBatchScorer(OnnxModel model, OnnxBatchOptions options, FaceRegionLayout? regions, ILogger logger)
        : this(model, options, regions, logger, TimeProvider.System)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OnnxBatchScorer"/> class on a given clock (tests).</summary>
    /// <param name="model">The model; the scorer takes ownership.</param>
    /// <param name="options">Batching settings.</param>
    /// <param name="regions">The facial regions of the crop for CAM explanations, or <see langword="null"/> for none.</param>
    /// <param name="logger">Logs failed batches.</param>
    /// <param name="time">The clock of the batch wait.</param>
    internal OnnxBatchScorer(OnnxModel model, OnnxBatchOptions options, FaceRegionLayout? regions, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBatchSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxWait, TimeSpan.Zero);
        _model = model;
        _logger = logger;
        _time = time;
        _maxBatch = options.MaxBatchSize;
        _maxWait = options.MaxWait;
        _tensors = new CropTensorWriter(model.Manifest.Input!);
        _cropBytes = ModelManifest.CropSize * ModelManifest.CropSize * 3;
        var (c, h, w) = model.FeatureShape;
        _regions = model.HasCam && regions is not null ? regions.ForGrid(h, w) : null;
        _queue = Channel.CreateBounded<Request>(new BoundedChannelOptions(options.QueueCapacity > 0 ? options.QueueCapacity : 4 * _maxBatch)
        {
            // Wait mode makes TryWrite return false when full (no silent eviction): Submit answers "overloaded" itself.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });

        // Pinned: ONNX Runtime reads and writes them through the OrtValues bound below, for the scorer's whole life.
        _input = GC.AllocateArray<float>(_maxBatch * _tensors.Length, pinned: true);
        _output = GC.AllocateArray<float>(_maxBatch * model.ClassCount, pinned: true);
        _features = model.HasCam ? GC.AllocateArray<float>(_maxBatch * c * h * w, pinned: true) : [];
        _cam = new float[h * w];
        _probabilities = new float[model.ClassCount];
        _batch = new Request[_maxBatch];
        _bound = new Bound?[_maxBatch + 1];
        _inputNames = [model.InputName];
        _outputNames = model.HasCam ? [model.OutputName, model.Manifest.Cam!.Features] : [model.OutputName];
    }

    /// <summary>Gets the model.</summary>
    public OnnxModel Model => _model;

    /// <summary>Gets the instruments batches and turned-away faces are recorded on, or <see langword="null"/> for none.</summary>
    public OnnxScoringMetrics? Metrics { get; init; }

    /// <summary>Gets the number of faces waiting for the model.</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>Gets the largest batch.</summary>
    public int MaxBatchSize => _maxBatch;

    /// <summary>Queues a crop for scoring; never blocks.</summary>
    /// <param name="crop">The aligned crop (112×112 BGR24); copied before this returns.</param>
    /// <returns>The pending score: completed by the batch loop, or at once when the queue is full or the scorer stopped.</returns>
    public PendingCropScore Submit(BgrImage crop)
    {
        var pending = new PendingCropScore();
        if (crop.Width != ModelManifest.CropSize || crop.Height != ModelManifest.CropSize)
        {
            pending.Complete(CropScore.CannotScore($"crop is {crop.Width}×{crop.Height}, the model takes {ModelManifest.CropSize}×{ModelManifest.CropSize}"));
            return pending;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(_cropBytes);
        var rowBytes = ModelManifest.CropSize * 3;
        for (var y = 0; y < ModelManifest.CropSize; y++)
        {
            crop.GetRow(y).CopyTo(buffer.AsSpan(y * rowBytes, rowBytes));
        }

        if (!_queue.Writer.TryWrite(new Request(buffer, pending)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            var stopped = Volatile.Read(ref _disposed) != 0 || _queue.Reader.Completion.IsCompleted;
            pending.Complete(CropScore.CannotScore(stopped ? StoppedReason : OverloadedReason));
            Metrics?.RecordTurnedAway(_model.Manifest.Name, stopped ? OnnxScoringMetrics.Stopped : OnnxScoringMetrics.Overloaded);
        }

        return pending;
    }

    /// <summary>Runs batches until <paramref name="cancellationToken"/> fires; then answers every queued face "scorer stopped".</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that completes when the loop has stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var count = await CollectAsync(cancellationToken);
                if (count == 0)
                {
                    break;
                }

                RunBatch(count);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var request))
            {
                ArrayPool<byte>.Shared.Return(request.Crop);
                request.Pending.Complete(CropScore.CannotScore(StoppedReason));
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var request))
        {
            ArrayPool<byte>.Shared.Return(request.Crop);
            request.Pending.Complete(CropScore.CannotScore(StoppedReason));
        }

        foreach (var bound in _bound)
        {
            bound?.Dispose();
        }

        _runOptions.Dispose();
        _model.Dispose();
    }

    /// <summary>
    /// Waits for a first face, then takes faces until the batch is full or the first one has waited the maximum wait.
    /// The loop's collection step, callable from tests with a fake clock.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The number of faces now in the batch; 0 when the queue is completed and empty.</returns>
    internal async ValueTask<int> CollectAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        if (!await reader.WaitToReadAsync(cancellationToken))
        {
            return 0;
        }

        var count = 0;
        while (count < _maxBatch && reader.TryRead(out var request))
        {
            _batch[count++] = request;
        }

        if (count == _maxBatch || _maxWait <= TimeSpan.Zero)
        {
            return count;
        }

        // Per batch (not per face): a timer on the injected clock bounds how long the first face waits for company.
        using var timeout = new CancellationTokenSource(_maxWait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        while (count < _maxBatch)
        {
            try
            {
                if (!await reader.WaitToReadAsync(linked.Token))
                {
                    break; // Completed: run what we have.
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }

            while (count < _maxBatch && reader.TryRead(out var request))
            {
                _batch[count++] = request;
            }
        }

        return count;
    }

    /// <summary>Runs the first <paramref name="count"/> collected faces as one batch and completes each.</summary>
    /// <param name="count">The number of faces collected.</param>
    internal void RunBatch(int count)
    {
        using var activity = PainStreamActivities.Source.StartActivity(PainStreamActivities.ScoreBatch);
        activity?.SetTag("model", Model.Manifest.Name);
        activity?.SetTag(PainStreamActivities.BatchSizeTag, count);
        var start = _time.GetTimestamp();
        var ok = false;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var crop = _batch[i].Crop;
                Prepare(i, new BgrImage(crop.AsSpan(0, _cropBytes), ModelManifest.CropSize, ModelManifest.CropSize, ModelManifest.CropSize * 3));
            }

            Infer(count);
            for (var i = 0; i < count; i++)
            {
                _batch[i].Pending.Complete(Result(i));
            }

            ok = true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // By design: a failing batch costs its faces a score ("cannot score" with the reason), not the loop.
            _logger.BatchFailed(ex, _model.Manifest.Name, count);
            var reason = $"{FailedReason}: {ex.Message}";
            for (var i = 0; i < count; i++)
            {
                _batch[i].Pending.Complete(CropScore.CannotScore(reason));
            }
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                ArrayPool<byte>.Shared.Return(_batch[i].Crop);
                _batch[i] = default;
            }

            LastBatchDuration = _time.GetElapsedTime(start);
            Metrics?.RecordBatch(_model.Manifest.Name, count, LastBatchDuration, ok);
        }
    }

    /// <summary>Gets or sets a hook called before each session run with the batch size (tests: make a batch fail).</summary>
    internal Action<int>? BeforeRun { get; set; }

    /// <summary>Gets how long the last batch took (prep, inference and post-processing).</summary>
    internal TimeSpan LastBatchDuration { get; private set; }

    /// <summary>Writes a crop's tensor into batch slot <paramref name="slot"/> (tests call it to score without the loop).</summary>
    /// <param name="slot">The slot, below <see cref="MaxBatchSize"/>.</param>
    /// <param name="crop">The crop.</param>
    internal void Prepare(int slot, BgrImage crop) =>
        _tensors.Write(crop, _input.AsSpan(slot * _tensors.Length, _tensors.Length));

    /// <summary>Runs the session on the first <paramref name="count"/> prepared slots.</summary>
    /// <param name="count">The batch size.</param>
    internal void Infer(int count)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Debug.Assert(count > 0 && count <= _maxBatch, "count within the batch");
        var bound = _bound[count] ??= new Bound(this, count);
        BeforeRun?.Invoke(count);
        _model.Session.Run(_runOptions, _inputNames, bound.Inputs, _outputNames, bound.Outputs);
    }

    /// <summary>Post-processes slot <paramref name="slot"/> of the last run.</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>The face's score.</returns>
    internal CropScore Result(int slot)
    {
        var k = _model.ClassCount;
        var p = _probabilities.AsSpan();
        ClassProbabilities(slot, p);
        double expected = 0;
        var best = 0;
        var values = _model.ClassValues;
        for (var j = 0; j < k; j++)
        {
            expected += p[j] * values[j];
            if (p[j] > p[best])
            {
                best = j;
            }
        }

        if (!double.IsFinite(expected))
        {
            return CropScore.CannotScore($"{FailedReason}: non-finite output");
        }

        var regions = _regions is { } grid ? Regions(slot, best, grid) : null;
        return new CropScore((float)Math.Clamp(expected, 0, ScoreScales.MaxPspi), p[best], best, regions)
        {
            ScaleConfidence = (float)ConfidenceScale.FromClassProbabilities(p, values, best),
        };
    }

    /// <summary>Writes the class probabilities of slot <paramref name="slot"/> of the last run: p = softmax(logits / T), or the model's probabilities as they are.</summary>
    /// <param name="slot">The slot.</param>
    /// <param name="p">Receives one probability per class.</param>
    internal void ClassProbabilities(int slot, Span<float> p)
    {
        var k = _model.ClassCount;
        Probabilities(_output.AsSpan(slot * k, k), p);
    }

    private void Probabilities(ReadOnlySpan<float> output, Span<float> p)
    {
        if (_model.IsProbabilities)
        {
            output.CopyTo(p);
            return;
        }

        var t = _model.Temperature;
        var max = float.NegativeInfinity;
        foreach (var v in output)
        {
            max = Math.Max(max, v / t);
        }

        double sum = 0;
        for (var j = 0; j < output.Length; j++)
        {
            var e = Math.Exp((output[j] / t) - max);
            p[j] = (float)e;
            sum += e;
        }

        for (var j = 0; j < p.Length; j++)
        {
            p[j] = (float)(p[j] / sum);
        }
    }

    /// <summary>CAM of the predicted class: Σ_c W[k,c]·F[c,y,x], then summarised by facial region.</summary>
    private FaceRegionShares? Regions(int slot, int predicted, RegionGrid grid)
    {
        var (c, h, w) = _model.FeatureShape;
        var plane = h * w;
        var features = _features.AsSpan(slot * c * plane, c * plane);
        var weights = _model.CamWeights.AsSpan(predicted * c, c);
        var cam = _cam.AsSpan();
        cam.Clear();
        for (var ch = 0; ch < c; ch++)
        {
            var weight = weights[ch];
            var map = features.Slice(ch * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                cam[i] += weight * map[i];
            }
        }

        return grid.Summarise(cam);
    }

    /// <summary>A queued face: its crop (rented) and the result to complete.</summary>
    private readonly record struct Request(byte[] Crop, PendingCropScore Pending);

    /// <summary>The input and output buffers bound for one batch size (created once per size, reused for every run).</summary>
    private sealed class Bound : IDisposable
    {
        public Bound(OnnxBatchScorer scorer, int count)
        {
            var size = ModelManifest.CropSize;
            var k = scorer._model.ClassCount;
            // Element assignments: each value is owned by these arrays from the moment it exists, and disposed with them.
            Inputs = new OrtValue[1];
            Inputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, scorer._input.AsMemory(0, count * scorer._tensors.Length), [count, 3, size, size]);
            Outputs = new OrtValue[scorer._model.HasCam ? 2 : 1];
            Outputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, scorer._output.AsMemory(0, count * k), [count, k]);
            if (scorer._model.HasCam)
            {
                var (c, h, w) = scorer._model.FeatureShape;
                Outputs[1] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, scorer._features.AsMemory(0, count * c * h * w), [count, c, h, w]);
            }
        }

        public OrtValue[] Inputs { get; }

        public OrtValue[] Outputs { get; }

        public void Dispose()
        {
            foreach (var value in Inputs)
            {
                value.Dispose();
            }

            foreach (var value in Outputs)
            {
                value?.Dispose();
            }
        }
    }
}
