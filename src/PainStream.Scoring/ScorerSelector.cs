// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;
using PainStream.Scoring.Onnx;

namespace PainStream.Scoring;

/// <summary>
/// Creates each patient's scorer from its bed's mode and its camera's setting: an infant bed through the infant factory
/// (FLACC), otherwise <c>geometric</c> through the geometric factory (with its saved baseline), <c>onnx:&lt;model&gt;</c> as an
/// <see cref="OnnxPatientScorer"/> reading the batch scorer's results.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class ScorerSelector : IPatientScorerFactory
{
    private readonly IPatientScorerFactory _geometric;
    private readonly Func<CameraId, string?> _scorerOf;
    private readonly IReadOnlySet<string> _loaded;
    private readonly IPatientScorerFactory? _infant;
    private readonly Func<CameraId, string, bool>? _isInfantBed;

    /// <summary>Initializes a new instance of the <see cref="ScorerSelector"/> class.</summary>
    /// <param name="geometric">Creates geometric scorers.</param>
    /// <param name="scorerOf">The scorer setting of a camera, or <see langword="null"/> for an unknown camera (geometric).</param>
    /// <param name="loadedModels">The names of the learned models loaded at start-up.</param>
    /// <param name="infant">Creates infant beds' scorers, or <see langword="null"/> when no infant model is loaded.</param>
    /// <param name="isInfantBed">Whether a camera's bed is an infant bed (the hot-reloaded catalog), or <see langword="null"/> for none.</param>
    public ScorerSelector(
        IPatientScorerFactory geometric,
        Func<CameraId, string?> scorerOf,
        IReadOnlySet<string> loadedModels,
        IPatientScorerFactory? infant = null,
        Func<CameraId, string, bool>? isInfantBed = null)
    {
        ArgumentNullException.ThrowIfNull(geometric);
        ArgumentNullException.ThrowIfNull(scorerOf);
        ArgumentNullException.ThrowIfNull(loadedModels);
        _geometric = geometric;
        _scorerOf = scorerOf;
        _loaded = loadedModels;
        _infant = infant;
        _isInfantBed = isInfantBed;
    }

    /// <inheritdoc/>
    public ValueTask<IPatientScorer> CreateAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        if (_isInfantBed?.Invoke(camera, bed) == true)
        {
            // Check-config and the reload check refuse an infant bed without an infant model; this is the last guard.
            return _infant is { } infant
                ? infant.CreateAsync(camera, bed, cancellationToken)
                : ValueTask.FromResult<IPatientScorer>(new UnavailableInfantScorer());
        }

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

/// <summary>An infant bed's scorer when no infant model is loaded: it never scores (a scorer-failed alarm follows), on the FLACC scale.</summary>
internal sealed class UnavailableInfantScorer : IPatientScorer
{
    public const string Reason = "no infant model is loaded (Scoring:InfantModel loads at start-up: restart)";

    public string Name => Core.Options.ScoringOptions.InfantScorer;

    public ScoreScale Scale => ScoreScale.Flacc;

    public bool IsReady => false;

    public ScoreSample Score(Core.Detection.FaceAnalysis face, DateTimeOffset ts, bool learnBaseline) => ScoreSample.CannotScore(Reason);

    public void NoFace(DateTimeOffset ts)
    {
    }

    public IReadOnlyDictionary<string, double>? Explain() => null;

    public ValueTask ResetBaselineAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SaveAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
