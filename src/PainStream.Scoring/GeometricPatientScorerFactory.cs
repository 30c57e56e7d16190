// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;

namespace PainStream.Scoring;

/// <summary>Creates each patient's <see cref="GeometricPatientScorer"/> from the <c>Scoring</c> options.</summary>
public sealed class GeometricPatientScorerFactory : IPatientScorerFactory
{
    private readonly GeometricPspiScorer _scorer;
    private readonly BaselineLearnerOptions _learner;
    private readonly GeometricScoringOptions _sampling;
    private readonly BaselineStore? _store;

    /// <summary>Initializes a new instance of the <see cref="GeometricPatientScorerFactory"/> class.</summary>
    /// <param name="scorer">The shared scorer.</param>
    /// <param name="options">The <c>Scoring</c> section.</param>
    /// <param name="store">Where baselines are saved, or <see langword="null"/> to keep them in memory only.</param>
    public GeometricPatientScorerFactory(GeometricPspiScorer scorer, ScoringOptions options, BaselineStore? store = null)
    {
        _store = store;
        ArgumentNullException.ThrowIfNull(options);
        _scorer = scorer;
        var capacity = Math.Max(1, (int)Math.Round(options.BaselineWindowSeconds / options.BaselineSampleSeconds));
        var minimum = Math.Clamp((int)Math.Round(options.BaselineMinSeconds / options.BaselineSampleSeconds), 1, capacity);
        _learner = new BaselineLearnerOptions { Capacity = capacity, MinSamples = minimum, NeutralPercentile = options.BaselinePercentile };
        _sampling = new GeometricScoringOptions { BaselineSampleSeconds = options.BaselineSampleSeconds, Au43MinClosedSeconds = options.Au43MinClosedSeconds };
    }

    /// <summary>Gets the learner settings derived from the options.</summary>
    public BaselineLearnerOptions LearnerOptions => _learner;

    /// <inheritdoc/>
    public async ValueTask<IPatientScorer> CreateAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        var learner = new BaselineLearner(_learner);
        var scorer = new GeometricPatientScorer(_scorer, learner, _sampling);
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

    private sealed class StoreBackedBaseline(BaselineStore store, CameraId camera, string bed) : IBaselinePersistence
    {
        public async ValueTask SaveAsync(BaselineLearnerState state, CancellationToken cancellationToken) =>
            await store.SaveAsync(camera, bed, state, cancellationToken);

        public async ValueTask DeleteAsync(CancellationToken cancellationToken) =>
            await store.DeleteAsync(camera, bed, cancellationToken);
    }
}
