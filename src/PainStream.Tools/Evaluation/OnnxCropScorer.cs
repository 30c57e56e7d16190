// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Scoring.Onnx;
using PainStream.Core.Detection;
using PainStream.Inference.Onnx;

namespace PainStream.Tools.Evaluation;

/// <summary>
/// A learned model as an <see cref="ICropScorer"/> for <c>painstream eval</c>: the daemon's own batch path
/// (<see cref="OnnxBatchScorer"/>: the same tensor writer, session binding and softmax with temperature), run synchronously
/// one batch at a time, with every class probability reported.
/// </summary>
/// <remarks>
/// <para>Per crop: p = softmax(logits / T) (or the model's probabilities as they are), predicted class = arg-max p (the first
/// on ties), PSPI = Σ pₖ · valueₖ with the manifest's class values (<see cref="Scheme"/> is built from the manifest's classes),
/// exactly as the daemon scores a face. A batch that fails in the session answers each of its crops "cannot score" with the
/// reason; the evaluation lists them and goes on.</para>
/// <para>Owns the batch scorer and so the model; not thread-safe (the evaluation calls <see cref="Score"/> from one thread).</para>
/// </remarks>
public sealed class OnnxCropScorer : ICropScorer, IDisposable
{
    private readonly OnnxBatchScorer _scorer;
    private readonly float[] _probabilities;

    private OnnxCropScorer(OnnxBatchScorer scorer, PainClassScheme scheme)
    {
        _scorer = scorer;
        Scheme = scheme;
        _probabilities = new float[scheme.Count];
        var manifest = scorer.Model.Manifest;
        Description = string.Create(CultureInfo.InvariantCulture, $"onnx:{scorer.Model.ModelPath} ({manifest.Name} {manifest.Version}, {scorer.Model.ExecutionProvider})");
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public PainClassScheme Scheme { get; }

    /// <inheritdoc/>
    public int MaxBatchSize => _scorer.MaxBatchSize;

    /// <inheritdoc/>
    public string ProbabilityNote => _scorer.Model.IsProbabilities
        ? "The model's output probabilities as they are (output.kind 'probabilities'); predicted class = arg-max; PSPI = sum of p_k * value_k."
        : string.Create(CultureInfo.InvariantCulture, $"softmax(logits / T) with the manifest's temperature T = {_scorer.Model.Temperature}; predicted class = arg-max; PSPI = sum of p_k * value_k over the manifest's class values.");

    /// <summary>Gets the model.</summary>
    public OnnxModel Model => _scorer.Model;

    /// <summary>Loads a model (<see cref="OnnxModel.Load"/>: manifest, checksum and graph checks) and wraps it.</summary>
    /// <param name="modelPath">The .onnx file; its manifest beside it.</param>
    /// <param name="createSession">Creates the session (execution provider choice), or <see langword="null"/> for a CPU session.</param>
    /// <param name="maxBatchSize">The largest batch of one session run.</param>
    /// <returns>The scorer; the caller owns it.</returns>
    /// <exception cref="ModelContractException">The model does not load, or its classes do not cover PSPI 0–16 in whole-number ranges, so labelled items cannot be put into its classes.</exception>
    public static OnnxCropScorer Load(string modelPath, OnnxSessionCreator? createSession = null, int maxBatchSize = OnnxBatchOptions.DefaultMaxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchSize);
        var model = OnnxModel.Load(modelPath, createSession);
        var manifest = model.Manifest;
        var classes = new (double, double, double, string?)[model.ClassCount];
        for (var k = 0; k < classes.Length; k++)
        {
            var c = manifest.Classes![k];
            classes[k] = (c.PspiMin, c.PspiMax, manifest.ClassValue(k), c.Label);
        }

        if (!PainClassScheme.TryCreate(manifest.Scheme ?? "custom", classes, out var scheme, out var error))
        {
            model.Dispose();
            throw new ModelContractException(model.ModelPath, [$"{error} (evaluation needs classes that put every PSPI 0–16 into one class)"]);
        }

        var options = new OnnxBatchOptions { MaxBatchSize = maxBatchSize, MaxWait = TimeSpan.Zero };
        return new OnnxCropScorer(new OnnxBatchScorer(model, options, regions: null, NullLogger.Instance), scheme);
    }

    /// <inheritdoc/>
    public IReadOnlyList<CropPrediction> Score(IReadOnlyList<FaceCrop> crops)
    {
        ArgumentNullException.ThrowIfNull(crops);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(crops.Count, MaxBatchSize, nameof(crops));
        var results = new CropPrediction[crops.Count];
        var slots = new int[crops.Count];
        var count = 0;
        for (var i = 0; i < crops.Count; i++)
        {
            var crop = crops[i];
            if (crop.Size != ModelManifest.CropSize || crop.Pixels.Length < crop.Size * crop.Size * 3)
            {
                results[i] = CropPrediction.CannotScore($"crop is {crop.Size}×{crop.Size}, the model takes {ModelManifest.CropSize}×{ModelManifest.CropSize}");
                continue;
            }

            _scorer.Prepare(count, new BgrImage(crop.Pixels, crop.Size, crop.Size, crop.Size * 3));
            slots[i] = count++;
        }

        if (count == 0)
        {
            return results;
        }

        try
        {
            _scorer.Infer(count);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // As in the daemon: a failing batch costs its crops a score, not the evaluation.
            var reason = $"{OnnxBatchScorer.FailedReason}: {ex.Message}";
            for (var i = 0; i < results.Length; i++)
            {
                results[i] ??= CropPrediction.CannotScore(reason);
            }

            return results;
        }

        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is not null)
            {
                continue;
            }

            _scorer.ClassProbabilities(slots[i], _probabilities);
            var p = new double[_probabilities.Length];
            var best = 0;
            for (var k = 0; k < p.Length; k++)
            {
                p[k] = _probabilities[k];
                if (p[k] > p[best])
                {
                    best = k;
                }
            }

            var pspi = Scheme.ExpectedPspi(p);
            results[i] = double.IsFinite(pspi)
                ? new CropPrediction(pspi, p, best)
                : CropPrediction.CannotScore($"{OnnxBatchScorer.FailedReason}: non-finite output");
        }

        return results;
    }

    /// <inheritdoc/>
    public void Dispose() => _scorer.Dispose();
}
