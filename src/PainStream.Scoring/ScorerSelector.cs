// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;
using PainStream.Scoring.Onnx;

namespace PainStream.Scoring;

/// <summary>
/// Creates each patient's scorer from its camera's setting: <c>geometric</c> through the geometric factory (with its saved
/// baseline), <c>onnx:&lt;model&gt;</c> as an <see cref="OnnxPatientScorer"/> reading the batch scorer's results.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class ScorerSelector : IPatientScorerFactory
{
    private readonly IPatientScorerFactory _geometric;
    private readonly Func<CameraId, string?> _scorerOf;
    private readonly IReadOnlySet<string> _loaded;

    /// <summary>Initializes a new instance of the <see cref="ScorerSelector"/> class.</summary>
    /// <param name="geometric">Creates geometric scorers.</param>
    /// <param name="scorerOf">The scorer setting of a camera, or <see langword="null"/> for an unknown camera (geometric).</param>
    /// <param name="loadedModels">The names of the learned models loaded at start-up.</param>
    public ScorerSelector(IPatientScorerFactory geometric, Func<CameraId, string?> scorerOf, IReadOnlySet<string> loadedModels)
    {
        ArgumentNullException.ThrowIfNull(geometric);
        ArgumentNullException.ThrowIfNull(scorerOf);
        ArgumentNullException.ThrowIfNull(loadedModels);
        _geometric = geometric;
        _scorerOf = scorerOf;
        _loaded = loadedModels;
    }

    /// <inheritdoc/>
    public ValueTask<IPatientScorer> CreateAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        var setting = _scorerOf(camera);
        if (!ScorerRules.TryGetModel(setting, out var model))
        {
            return _geometric.CreateAsync(camera, bed, cancellationToken);
        }

        // Check-config and the reload check refuse a model that is not loaded; this is the last guard for a race with a reload.
        var unavailable = _loaded.Contains(model) ? null : $"model '{model}' is not loaded (models load at start-up: restart)";
        return ValueTask.FromResult<IPatientScorer>(new OnnxPatientScorer(setting!, unavailable));
    }
}
