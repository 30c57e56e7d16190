// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;

namespace PainStream.Scoring;

/// <summary>Creates each patient's <see cref="GeometricPatientScorer"/> from the <c>Scoring</c> options.</summary>
public sealed class GeometricPatientScorerFactory : IPatientScorerFactory
{
    private readonly GeometricPspiScorer _scorer;
    private readonly ScoringOptions _options;
    private readonly BaselineLearnerOptions _learner;
    private readonly GeometricScoringOptions _sampling;

    /// <summary>Initializes a new instance of the <see cref="GeometricPatientScorerFactory"/> class.</summary>
    /// <param name="scorer">The shared scorer.</param>
    /// <param name="options">The <c>Scoring</c> section.</param>
    public GeometricPatientScorerFactory(GeometricPspiScorer scorer, ScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _scorer = scorer;
        _options = options;
        var capacity = Math.Max(1, (int)Math.Round(options.BaselineWindowSeconds / options.BaselineSampleSeconds));
        var minimum = Math.Clamp((int)Math.Round(options.BaselineMinSeconds / options.BaselineSampleSeconds), 1, capacity);
        _learner = new BaselineLearnerOptions { Capacity = capacity, MinSamples = minimum, NeutralPercentile = options.BaselinePercentile };
        _sampling = new GeometricScoringOptions { BaselineSampleSeconds = options.BaselineSampleSeconds };
    }

    /// <summary>Gets the learner settings derived from the options.</summary>
    public BaselineLearnerOptions LearnerOptions => _learner;

    /// <inheritdoc/>
    public ValueTask<IPatientScorer> CreateAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        IPatientScorer scorer = new GeometricPatientScorer(_scorer, new BaselineLearner(_learner), _sampling);
        return ValueTask.FromResult(scorer);
    }
}
