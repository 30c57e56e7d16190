// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;

namespace PainStream.Scoring;

/// <summary>
/// Creates each patient's <see cref="GeometricPatientScorer"/> from the <c>Scoring</c> options, with the pose and size limits
/// of the current <c>FaceQuality</c> settings (hot-reloadable).
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class GeometricPatientScorerFactory : IPatientScorerFactory
{
    private readonly GeometricPspiScorer _scorer;
    private readonly Func<FaceQualityOptions>? _quality;
    private readonly BaselineLearnerOptions _learner;
    private readonly GeometricScoringOptions _sampling;
    private readonly BaselineStore? _store;

    // The scorer for the quality settings last seen, swapped as a whole (a race only builds one twice).
    private volatile LimitedScorer? _limited;

    /// <summary>Initializes a new instance of the <see cref="GeometricPatientScorerFactory"/> class.</summary>
    /// <param name="scorer">The shared scorer (its other options stay; its limits are replaced by <paramref name="quality"/>'s).</param>
    /// <param name="options">The <c>Scoring</c> section.</param>
    /// <param name="store">Where baselines are saved, or <see langword="null"/> to keep them in memory only.</param>
    /// <param name="quality">
    /// The current <c>FaceQuality</c> settings, read per frame so a hot reload of <c>MaxYawDegrees</c>, <c>MaxPitchDegrees</c> and
    /// <c>MinInterOcularPixels</c> applies at once (a new object per reload), or <see langword="null"/> for the scorer's own limits.
    /// </param>
    public GeometricPatientScorerFactory(GeometricPspiScorer scorer, ScoringOptions options, BaselineStore? store = null, Func<FaceQualityOptions>? quality = null)
    {
        _store = store;
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(options);
        _scorer = scorer;
        _quality = quality;
        var capacity = Math.Max(1, (int)Math.Round(options.BaselineWindowSeconds / options.BaselineSampleSeconds));
        var minimum = Math.Clamp((int)Math.Round(options.BaselineMinSeconds / options.BaselineSampleSeconds), 1, capacity);
        _learner = new BaselineLearnerOptions { Capacity = capacity, MinSamples = minimum, NeutralPercentile = options.BaselinePercentile };
        _sampling = new GeometricScoringOptions { BaselineSampleSeconds = options.BaselineSampleSeconds, Au43MinClosedSeconds = options.Au43MinClosedSeconds };
    }

    /// <summary>Gets the learner settings derived from the options.</summary>
    public BaselineLearnerOptions LearnerOptions => _learner;

    /// <summary>Gets the scorer with the current quality limits (what every patient's scorer uses for its next frame).</summary>
    public GeometricPspiScorer CurrentScorer
    {
        get
        {
            if (_quality is null)
            {
                return _scorer;
            }

            var quality = _quality();
            var limited = _limited;
            if (limited is null || !ReferenceEquals(limited.Quality, quality))
            {
                limited = new LimitedScorer(quality, new GeometricPspiScorer(_scorer.Options.WithLimitsOf(quality)));
                _limited = limited;
            }

            return limited.Scorer;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IPatientScorer> CreateAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        var learner = new BaselineLearner(_learner);
        var scorer = new GeometricPatientScorer(() => CurrentScorer, learner, _sampling);
        if (_store is { } store)
        {
            // A saved baseline survives restarts; a corrupt file is moved aside by the store and the patient starts afresh.
            if (await store.LoadAsync(camera, bed, cancellationToken) is { } state)
            {
                learner.Restore(state);
            }

            scorer.Persistence = new StoreBackedBaseline(store, camera, bed);
        }

        return scorer;
    }

    private sealed record LimitedScorer(FaceQualityOptions Quality, GeometricPspiScorer Scorer);

    private sealed class StoreBackedBaseline(BaselineStore store, CameraId camera, string bed) : IBaselinePersistence
    {
        public async ValueTask SaveAsync(BaselineLearnerState state, CancellationToken cancellationToken) =>
            await store.SaveAsync(camera, bed, state, cancellationToken);

        public async ValueTask DeleteAsync(CancellationToken cancellationToken) =>
            await store.DeleteAsync(camera, bed, cancellationToken);
    }
}
