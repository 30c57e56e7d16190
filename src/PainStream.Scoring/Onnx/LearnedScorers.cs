// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using Microsoft.Extensions.Logging;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;
using PainStream.Inference.Onnx;

namespace PainStream.Scoring.Onnx;

/// <summary>
/// The learned models loaded at start-up, by name, and the routing of each camera's crops to its model's batch scorer
/// (<see cref="IFaceCropScorer"/> for the detect workers). Owns the batch scorers (and through them the sessions).
/// </summary>
/// <remarks>
/// Thread-safe. The camera → scorer setting is read per face through <c>scorerOf</c> (the hot-reloaded camera catalog), so a
/// camera switched to another loaded model sends its next face there.
/// </remarks>
public sealed class LearnedScorers : IFaceCropScorer, IDisposable
{
    private readonly IReadOnlyDictionary<string, OnnxBatchScorer> _models;
    private readonly Func<CameraId, string?> _scorerOf;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="LearnedScorers"/> class.</summary>
    /// <param name="models">The batch scorers by model name (<c>Scoring:Models</c> keys); this instance takes ownership.</param>
    /// <param name="scorerOf">The scorer setting of a camera (<c>geometric</c>, <c>onnx:&lt;model&gt;</c>), or <see langword="null"/> for an unknown camera.</param>
    public LearnedScorers(IReadOnlyDictionary<string, OnnxBatchScorer> models, Func<CameraId, string?> scorerOf)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(scorerOf);
        _models = models;
        _scorerOf = scorerOf;
    }

    /// <summary>Loads every configured model (in name order) and creates its batch scorer.</summary>
    /// <param name="paths">Model name → full path of its ONNX file.</param>
    /// <param name="options">Batching settings (shared by every model).</param>
    /// <param name="regions">The crop's facial regions for CAM explanations, or <see langword="null"/>.</param>
    /// <param name="createSession">Creates each session (execution provider choice).</param>
    /// <param name="logger">Logs each model once: name, version, provider, classes.</param>
    /// <param name="scorerOf">The scorer setting of a camera.</param>
    /// <param name="metrics">The instruments of the batch loops, or <see langword="null"/>.</param>
    /// <returns>The loaded models; the caller owns them.</returns>
    /// <exception cref="ModelContractException">A model is missing, corrupt or disagrees with its manifest (the models loaded before it are disposed).</exception>
    public static LearnedScorers Load(
        IReadOnlyDictionary<string, string> paths,
        OnnxBatchOptions options,
        FaceRegionLayout? regions,
        OnnxSessionCreator? createSession,
        ILogger logger,
        Func<CameraId, string?> scorerOf,
        OnnxScoringMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var models = new Dictionary<string, OnnxBatchScorer>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, path) in paths.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var model = OnnxModel.Load(path, createSession);
                var scorer = new OnnxBatchScorer(model, options, regions, logger) { Metrics = metrics };
                models.Add(name, scorer);
                var manifest = model.Manifest;
                logger.PainModelLoaded(manifest.Name, manifest.Version, model.ModelPath, model.ExecutionProvider, model.ClassCount, model.HasCam, options.MaxBatchSize, options.MaxWait.TotalMilliseconds);
                if (!ClinicallyValidated(manifest, out var data))
                {
                    logger.ModelNotClinicallyValidated(manifest.Name, data);
                }
            }
        }
        catch
        {
            foreach (var loaded in models.Values)
            {
                loaded.Dispose();
            }

            throw;
        }

        return new LearnedScorers(models, scorerOf);
    }

    /// <summary>Gets the batch scorers by model name.</summary>
    public IReadOnlyDictionary<string, OnnxBatchScorer> Models => _models;

    /// <inheritdoc/>
    public bool Scores(CameraId camera) => Find(camera) is not null;

    /// <inheritdoc/>
    public PendingCropScore Submit(CameraId camera, BgrImage crop) =>
        Find(camera) is { } scorer ? scorer.Submit(crop) : PendingCropScore.FromResult(CropScore.CannotScore(OnnxPatientScorer.NoCropScoreReason));

    /// <summary>Runs every model's batch loop until <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops the loops.</param>
    /// <returns>A task that completes when every loop has stopped.</returns>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_models.Values.Select(m => m.RunAsync(cancellationToken)));

    /// <summary>Gets the faces waiting for any model.</summary>
    /// <returns>The total queue depth.</returns>
    public int QueueDepth() => _models.Values.Sum(m => m.QueueDepth);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var model in _models.Values)
        {
            model.Dispose();
        }
    }

    private static bool ClinicallyValidated(ModelManifest manifest, out string data)
    {
        data = "training data not described";
        if (manifest.Training is not { ValueKind: JsonValueKind.Object } training)
        {
            return false;
        }

        if (training.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String)
        {
            data = d.GetString()!;
        }

        return training.TryGetProperty("clinicallyValidated", out var v) && v.ValueKind == JsonValueKind.True;
    }

    private OnnxBatchScorer? Find(CameraId camera) =>
        ScorerRules.TryGetModel(_scorerOf(camera), out var name) && _models.TryGetValue(name, out var scorer) ? scorer : null;
}
