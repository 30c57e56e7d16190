// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Scoring;
using PainStream.Scoring.Onnx;

namespace PainStream.Scoring;

/// <summary>
/// One infant bed's scorer (seed 003, <c>Cameras:&lt;c&gt;:Beds:&lt;b&gt;:Mode = infant</c>): the seven AU intensities of
/// <see cref="InfantAuEstimator"/>, measured against the patient's neutral baseline (learnt and saved exactly as for the
/// geometric scorer, by the <see cref="GeometricPatientScorer"/> it wraps, which also gates quality and pose and gives the
/// confidence), run through the infant MLP (<see cref="InfantFlaccModel"/>) to a FLACC score 0–10.
/// </summary>
/// <remarks>
/// Scores are on <see cref="ScoreScale.Flacc"/>, never PSPI; the bed's thresholds are <c>Alerting:Infant</c>'s. The alert
/// explanation gives the measured intensities: <c>au27</c>, <c>au25</c>, <c>au12</c>, <c>au20</c> (own landmark proxies) and
/// <c>au9_10</c>, <c>au6_7</c>, the shared proxies fed to the model's AU9 and AU10 inputs and to its AU6 input (see
/// <see cref="InfantAuEstimator"/>): 68 landmarks cannot separate those action units, and the explanation does not pretend to.
/// Not thread-safe: the patient stage calls it in time order.
/// </remarks>
public sealed class InfantPatientScorer : IPatientScorer
{
    /// <summary>The prefix of the scorer's name (<c>infant:&lt;model name&gt;</c>).</summary>
    public const string NamePrefix = "infant:";

    private readonly GeometricPatientScorer _geometric;
    private readonly InfantFlaccModel _model;
    private readonly float[] _input = new float[InfantAus.Count];
    private InfantAus? _last;

    /// <summary>Initializes a new instance of the <see cref="InfantPatientScorer"/> class.</summary>
    /// <param name="geometric">The patient's geometric scorer: baseline, persistence, quality gate, confidence, AU6/7 and AU9/10.</param>
    /// <param name="model">The shared infant model.</param>
    public InfantPatientScorer(GeometricPatientScorer geometric, InfantFlaccModel model)
    {
        ArgumentNullException.ThrowIfNull(geometric);
        ArgumentNullException.ThrowIfNull(model);
        _geometric = geometric;
        _model = model;
        Name = NamePrefix + model.Name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ScoreScale Scale => ScoreScale.Flacc;

    /// <inheritdoc/>
    public bool IsReady => _geometric.IsReady;

    /// <inheritdoc/>
    public ScoreSample Score(FaceAnalysis face, DateTimeOffset ts, bool learnBaseline)
    {
        ArgumentNullException.ThrowIfNull(face);
        var estimate = _geometric.Estimate(face, ts, learnBaseline, out var proxies, out var baseline);
        if (estimate.CannotScoreReason is { } reason)
        {
            return ScoreSample.CannotScore(reason);
        }

        if (!InfantAuEstimator.HasMouth(baseline))
        {
            return ScoreSample.CannotScore(InfantAuEstimator.NoMouthBaselineReason);
        }

        var aus = InfantAuEstimator.Estimate(proxies, baseline, estimate);
        aus.CopyTo(_input);
        var flacc = _model.Predict(_input);
        if (!float.IsFinite(flacc))
        {
            throw new InvalidOperationException($"The infant model {_model.ModelPath} returned {flacc} for a finite input.");
        }

        _last = aus;
        return new ScoreSample(Math.Clamp(flacc, 0, ScoreScales.MaxFlacc), estimate.Confidence);
    }

    /// <inheritdoc/>
    public void NoFace(DateTimeOffset ts) => _geometric.NoFace(ts);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double>? Explain() => _last is { } a ? ExplainAus(a) : null;

    /// <summary>The alert explanation of a set of intensities: own proxies by AU, shared proxies once under their shared name.</summary>
    /// <param name="aus">The intensities.</param>
    /// <returns><c>au27</c>, <c>au25</c>, <c>au12</c>, <c>au20</c>, <c>au9_10</c> (fed to AU9 and AU10), <c>au6_7</c> (fed to AU6), each 0–5.</returns>
    public static IReadOnlyDictionary<string, double> ExplainAus(InfantAus aus) => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["au27"] = Math.Round(aus.Au27, 2),
        ["au25"] = Math.Round(aus.Au25, 2),
        ["au12"] = Math.Round(aus.Au12, 2),
        ["au20"] = Math.Round(aus.Au20, 2),
        ["au9_10"] = Math.Round(aus.Au9, 2),
        ["au6_7"] = Math.Round(aus.Au6, 2),
    };

    /// <inheritdoc/>
    public ValueTask ResetBaselineAsync(CancellationToken cancellationToken)
    {
        _last = null;
        return _geometric.ResetBaselineAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SaveAsync(CancellationToken cancellationToken) => _geometric.SaveAsync(cancellationToken);
}

/// <summary>
/// Creates infant beds' scorers: a <see cref="GeometricPatientScorer"/> from the geometric factory (its saved baseline, its
/// quality limits) wrapped in an <see cref="InfantPatientScorer"/> with the shared model.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class InfantPatientScorerFactory : IPatientScorerFactory
{
    private readonly GeometricPatientScorerFactory _geometric;
    private readonly InfantFlaccModel _model;

    /// <summary>Initializes a new instance of the <see cref="InfantPatientScorerFactory"/> class.</summary>
    /// <param name="geometric">Creates the per-patient geometric scorer (baseline and persistence).</param>
    /// <param name="model">The infant model (owned by the caller).</param>
    public InfantPatientScorerFactory(GeometricPatientScorerFactory geometric, InfantFlaccModel model)
    {
        ArgumentNullException.ThrowIfNull(geometric);
        ArgumentNullException.ThrowIfNull(model);
        _geometric = geometric;
        _model = model;
    }

    /// <summary>Gets the model.</summary>
    public InfantFlaccModel Model => _model;

    /// <inheritdoc/>
    public async ValueTask<IPatientScorer> CreateAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        var geometric = (GeometricPatientScorer)await _geometric.CreateAsync(camera, bed, cancellationToken);
        var learner = geometric.Learner;
        if (learner.Count > 0 && learner.ExportState().Samples.Any(static s => !s.HasMouth))
        {
            // A baseline saved before the mouth proxies existed has none: the mouth AUs would be measured against zero. It is
            // learnt again (BaselineMinSeconds), and the next save overwrites the old file.
            learner.Reset();
        }

        return new InfantPatientScorer(geometric, _model);
    }
}
