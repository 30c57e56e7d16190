// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Detection;
using PainStream.Core.Scoring;

namespace PainStream.Scoring;

/// <summary>
/// One patient's geometric PSPI scorer: AU proxies from the landmarks, scored against the patient's own neutral baseline,
/// which is learnt on the fly (one sample per <see cref="GeometricScoringOptions.BaselineSampleSeconds"/> while no pain episode
/// is pending or active).
/// </summary>
/// <remarks>
/// <para>
/// <b>Pose relative to the patient's neutral pose.</b> The head pose of every face learnt into the baseline is kept too (the
/// last <see cref="NeutralPoseSamples"/>); once the baseline is ready, the scorer's own turned-away limit and its confidence
/// fall-off judge the pose relative to their median, so a patient whose neutral face reads, say, 12° pitch (a camera above
/// the bed, or a face unlike the generic 3-D model) is not penalised for it. The frame-level quality gate still applies its
/// absolute limits first. The neutral pose is not saved with the baseline: after a restart it is learnt again from the
/// next neutral samples, and until then the absolute pose is used.
/// </para>
/// <para>
/// <b>Head turns.</b> With a pose, the proxies are corrected for its yaw (<see cref="AuProxies.CorrectedForYaw"/>) before
/// they are learnt or scored, so the baseline holds frontal values and a patient lying with the head turned 20–30° is
/// scored against them as when frontal. Without a pose nothing is corrected.
/// </para>
/// <para>Not thread-safe: the patient stage calls it in time order.</para>
/// </remarks>
public sealed class GeometricPatientScorer : IPatientScorer
{
    /// <summary>How many learnt samples' head poses the neutral pose is the median of.</summary>
    public const int NeutralPoseSamples = 60;

    /// <summary>How many learnt samples with a pose are needed before the pose is judged relative to them.</summary>
    public const int MinNeutralPoseSamples = 10;
    /// <summary>The scorer's name in scores and alerts.</summary>
    public const string ScorerName = "geometric";

    /// <summary>Reason given while the baseline has too few samples.</summary>
    public const string LearningBaselineReason = "learning baseline";

    private readonly Func<GeometricPspiScorer> _scorer;
    private readonly BaselineLearner _learner;
    // A sample is due a little before the interval has fully passed: at one key frame a second (keyframes decode mode) the
    // steps between stream timestamps are 1 s give or take a rounding, and a strict comparison would learn from every
    // second key frame only. At higher rates it makes no difference worth having (at 25 fps: every 0.92 s instead of 1 s).
    private const double SampleIntervalSlack = 0.9;

    private readonly TimeSpan _sampleInterval;
    private readonly BlinkFilter _blinks;
    private DateTimeOffset _lastLearnt = DateTimeOffset.MinValue;
    private NeutralBaseline _baseline;
    private bool _baselineStale = true;
    private PspiEstimate? _last;
    private readonly Queue<HeadPose> _neutralPoses = new();
    private HeadPose? _neutralPose;

    /// <summary>Initializes a new instance of the <see cref="GeometricPatientScorer"/> class.</summary>
    /// <param name="scorer">The shared, immutable scorer.</param>
    /// <param name="learner">This patient's baseline learner (possibly restored from disk).</param>
    /// <param name="options">Sampling settings.</param>
    public GeometricPatientScorer(GeometricPspiScorer scorer, BaselineLearner learner, GeometricScoringOptions options)
        : this(() => scorer, learner, options)
    {
        ArgumentNullException.ThrowIfNull(scorer);
    }

    /// <summary>Initializes a new instance of the <see cref="GeometricPatientScorer"/> class whose limits follow a hot reload.</summary>
    /// <param name="scorer">Returns the current shared, immutable scorer (read per frame; cheap: a cached instance).</param>
    /// <param name="learner">This patient's baseline learner (possibly restored from disk).</param>
    /// <param name="options">Sampling settings.</param>
    public GeometricPatientScorer(Func<GeometricPspiScorer> scorer, BaselineLearner learner, GeometricScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(options);
        _scorer = scorer;
        _learner = learner;
        _sampleInterval = TimeSpan.FromSeconds(options.BaselineSampleSeconds);
        _blinks = new BlinkFilter(new BlinkFilterOptions { MinClosure = TimeSpan.FromSeconds(options.Au43MinClosedSeconds) });
    }

    /// <inheritdoc/>
    public string Name => ScorerName;

    /// <inheritdoc/>
    public bool IsReady => _learner.IsReady;

    /// <summary>Gets the patient's neutral head pose (the median of the learnt samples' poses), or <see langword="null"/> while too few are known.</summary>
    public HeadPose? NeutralPose
    {
        get
        {
            if (_neutralPoses.Count < MinNeutralPoseSamples)
            {
                return null;
            }

            var yaw = _neutralPoses.Select(p => p.YawDegrees).Order().ElementAt(_neutralPoses.Count / 2);
            var pitch = _neutralPoses.Select(p => p.PitchDegrees).Order().ElementAt(_neutralPoses.Count / 2);
            return new HeadPose(yaw, pitch);
        }
    }

    /// <summary>Gets the baseline learner (for persistence).</summary>
    public BaselineLearner Learner => _learner;

    /// <summary>Gets or sets what saves and deletes this patient's baseline, or <see langword="null"/> for none.</summary>
    public IBaselinePersistence? Persistence { get; set; }

    /// <inheritdoc/>
    public ScoreSample Score(FaceAnalysis face, DateTimeOffset ts, bool learnBaseline)
    {
        ArgumentNullException.ThrowIfNull(face);
        // AU43 counts only for a sustained closure: blinks shorter than Au43MinClosedSeconds are taken out of the sum.
        var estimate = _blinks.Apply(ts, Estimate(face, ts, learnBaseline));
        _last = estimate.IsScorable ? estimate : _last;
        return estimate.ToScoreSample();
    }

    /// <summary>Scores and returns the full estimate (AU breakdown), as <see cref="Score"/> does.</summary>
    /// <param name="face">The face.</param>
    /// <param name="ts">Capture time.</param>
    /// <param name="learnBaseline">Whether the face may be learnt as neutral.</param>
    /// <returns>The estimate.</returns>
    public PspiEstimate Estimate(FaceAnalysis face, DateTimeOffset ts, bool learnBaseline) => Estimate(face, ts, learnBaseline, out _, out _);

    /// <summary>Scores as <see cref="Estimate(FaceAnalysis, DateTimeOffset, bool)"/> and returns the proxies and baseline it used (the infant scorer's mouth AUs).</summary>
    /// <param name="face">The face.</param>
    /// <param name="ts">Capture time.</param>
    /// <param name="learnBaseline">Whether the face may be learnt as neutral.</param>
    /// <param name="proxies">Receives the face's proxies (<see langword="default"/> when the landmarks are unusable).</param>
    /// <param name="baseline">Receives the baseline scored against (<see langword="default"/> while learning).</param>
    /// <returns>The estimate.</returns>
    public PspiEstimate Estimate(FaceAnalysis face, DateTimeOffset ts, bool learnBaseline, out AuProxies proxies, out NeutralBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(face);
        baseline = default;
        proxies = default;
        if (face.QualityIssue is { } issue)
        {
            return PspiEstimate.CannotScore(issue);
        }

        if (!AuProxies.TryFromLandmarks(face.Landmarks, out proxies))
        {
            return PspiEstimate.CannotScore(GeometricPspiScorer.BadLandmarksReason);
        }

        var scorer = _scorer();
        HeadPose? pose = face.Pose is { } p ? new HeadPose(p.Yaw, p.Pitch) : null;

        // Learnt and scored as the frontal face would read (issue 12 item 5): a head turned 25° otherwise reads 10 % more
        // open-eyed and longer between nose and lip, which hides a grimace.
        if (pose is { } turned)
        {
            proxies = proxies.CorrectedForYaw(turned.YawDegrees);
        }

        var gated = pose is { } hp && (MathF.Abs(hp.YawDegrees) > scorer.Options.MaxYawDegrees || MathF.Abs(hp.PitchDegrees) > scorer.Options.MaxPitchDegrees);
        if (learnBaseline && !gated && ts - _lastLearnt >= _sampleInterval * SampleIntervalSlack && proxies.InterOcularPixels >= scorer.Options.MinInterOcularPixels)
        {
            if (_learner.Add(proxies))
            {
                _lastLearnt = ts;
                _baselineStale = true;
                if (pose is { } learnt)
                {
                    _neutralPoses.Enqueue(learnt);
                    if (_neutralPoses.Count > NeutralPoseSamples)
                    {
                        _neutralPoses.Dequeue();
                    }

                    _neutralPose = null;
                }
            }
        }

        if (_baselineStale)
        {
            // A percentile over the window sorts it: recomputed once per learnt sample, not per frame.
            _baselineStale = !_learner.TryGetBaseline(out _baseline);
        }

        baseline = _baseline;
        if (!_baseline.IsValid)
        {
            return PspiEstimate.CannotScore(LearningBaselineReason);
        }

        // Judge the pose against the patient's own neutral pose once it is known (see the class remarks).
        _neutralPose ??= NeutralPose;
        var judged = pose is { } current && _neutralPose is { } neutral
            ? new HeadPose(current.YawDegrees - neutral.YawDegrees, current.PitchDegrees - neutral.PitchDegrees)
            : pose;
        return scorer.Score(proxies, _baseline, judged);
    }

    /// <inheritdoc/>
    public void NoFace(DateTimeOffset ts) => _blinks.Reset();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double>? Explain() => _last is { } e
        ? new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["au4"] = Math.Round(e.Au4, 2),
            ["au6_7"] = Math.Round(e.Au6Or7, 2),
            ["au9_10"] = Math.Round(e.Au9Or10, 2),
            ["au43"] = Math.Round(e.Au43, 2),
        }
        : null;

    /// <inheritdoc/>
    public async ValueTask ResetBaselineAsync(CancellationToken cancellationToken)
    {
        _learner.Reset();
        _neutralPoses.Clear();
        _neutralPose = null;
        _baseline = default;
        _baselineStale = true;
        _lastLearnt = DateTimeOffset.MinValue;
        if (Persistence is { } persistence)
        {
            await persistence.DeleteAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask SaveAsync(CancellationToken cancellationToken)
    {
        if (Persistence is { } persistence)
        {
            await persistence.SaveAsync(_learner.ExportState(), cancellationToken);
        }
    }
}

/// <summary>Saves and deletes one patient's baseline.</summary>
public interface IBaselinePersistence
{
    /// <summary>Saves the state.</summary>
    /// <param name="state">The learner's state.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes when it is durable.</returns>
    ValueTask SaveAsync(BaselineLearnerState state, CancellationToken cancellationToken);

    /// <summary>Deletes the saved state.</summary>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>A task that completes when it is gone.</returns>
    ValueTask DeleteAsync(CancellationToken cancellationToken);
}

/// <summary>Settings of the geometric scorer (the <c>Scoring</c> section).</summary>
public sealed record GeometricScoringOptions
{
    /// <summary>Gets the interval between baseline samples, in seconds.</summary>
    public double BaselineSampleSeconds { get; init; } = 1;

    /// <summary>Gets how long the eyes must stay closed before AU43 counts, in seconds.</summary>
    public double Au43MinClosedSeconds { get; init; } = 0.5;
}
