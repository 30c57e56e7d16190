// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Options;
using PainStream.Scoring;

namespace PainStream.Benchmarks;

/// <summary>Creates a patient scorer as the daemon's <see cref="GeometricPatientScorerFactory"/> does, without a baseline store.</summary>
internal static class PatientScorers
{
    /// <summary>Creates one patient's scorer with the learner and sampling settings the factory derives from <paramref name="options"/>.</summary>
    /// <param name="scorer">The shared scorer.</param>
    /// <param name="options">The <c>Scoring</c> section.</param>
    /// <returns>The scorer, with an empty baseline.</returns>
    public static GeometricPatientScorer Create(GeometricPspiScorer scorer, ScoringOptions options)
    {
        // The factory's own CreateAsync completes synchronously without a store; building the same parts here avoids
        // blocking on a ValueTask in a benchmark setup.
        var factory = new GeometricPatientScorerFactory(scorer, options);
        var sampling = new GeometricScoringOptions { BaselineSampleSeconds = options.BaselineSampleSeconds, Au43MinClosedSeconds = options.Au43MinClosedSeconds };
        return new GeometricPatientScorer(scorer, new BaselineLearner(factory.LearnerOptions), sampling);
    }
}
