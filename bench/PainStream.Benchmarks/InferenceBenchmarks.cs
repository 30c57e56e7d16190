// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Scoring.Onnx;

namespace PainStream.Benchmarks;

/// <summary>
/// One learned-model batch through <see cref="OnnxBatchScorer"/>'s own steps, as its loop runs a batch: <c>Prepare</c> each
/// slot (crop → normalised float tensor in the preallocated batch input), <c>Infer</c> (one <c>InferenceSession.Run</c> on the
/// bound input and outputs), <c>Result</c> for each slot (softmax, expected PSPI, confidence). One operation is one batch of
/// <see cref="Batch"/> faces, so faces/s = <see cref="Batch"/> / mean.
/// </summary>
/// <remarks>
/// Models: the example model scripts/setup trains (face-api expression backbone, da5 head), <c>bench/make-models</c>' DA-CNN
/// at width 0.5 and ResNet-18, with the manifests the
/// training kit exports. The provider is ONNX Runtime's CPU provider with one intra-op thread (the daemon's default
/// <c>Scoring</c> settings), or CUDA with <c>--provider cuda</c> on the GPU build. The scorer has no facial-region layout
/// here, so <c>Result</c> skips the CAM summary by region (the daemon's scorer does it; a few thousand multiply-adds per
/// face). The batch queue and its wait are not in this figure: <c>--batcher-latency</c> measures them.
/// </remarks>
public class InferenceBenchmarks
{
    private OnnxBatchScorer _scorer = null!;
    private byte[] _crop = [];

    /// <summary>Gets or sets the model: a file name under <c>artifacts/bench-models/</c>.</summary>
    [Params("example", "dacnn-w05", "resnet18")]
    public string Model { get; set; } = "dacnn-w05";

    /// <summary>Gets or sets the faces per batch.</summary>
    [Params(1, 4, 16, 64)]
    public int Batch { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _crop = InferenceFixtures.AlignedCrop(grimace: false);
        var model = InferenceFixtures.LoadModel(InferenceFixtures.ModelPath(Model));
        _scorer = new OnnxBatchScorer(model, new OnnxBatchOptions { MaxBatchSize = 64, MaxWait = TimeSpan.Zero }, null, NullLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup() => _scorer.Dispose();

    [Benchmark(Description = "PrepareInferResult")]
    public float RunBatch()
    {
        var crop = InferenceFixtures.View(_crop);
        for (var i = 0; i < Batch; i++)
        {
            _scorer.Prepare(i, crop);
        }

        _scorer.Infer(Batch);
        var sum = 0f;
        for (var i = 0; i < Batch; i++)
        {
            sum += _scorer.Result(i).Pspi;
        }

        return sum;
    }
}
