// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Scoring;

namespace PainStream.Tools.Evaluation;

/// <summary>
/// The geometric PSPI proxy (<see cref="GeometricPspiScorer"/>) as an <see cref="ICropScorer"/>: scores each crop's
/// landmarks against its subject's neutral baseline and turns the point estimate into class probabilities by a documented
/// soft assignment.
/// </summary>
/// <remarks>
/// <para>
/// <b>Baseline.</b> A subject's baseline is the per-proxy median of <see cref="AuProxies"/> over the crops
/// <see cref="SetNeutral"/> is given (the evaluation gives the subject's lowest-PSPI items); the median keeps one
/// mis-fitted landmark set from moving it. The baseline crops are scored too, like every other item.
/// </para>
/// <para>
/// <b>Class and probabilities.</b> The predicted class is the scheme's class of the PSPI estimate (rounded half up), so
/// accuracy, F1 and κ judge the point estimate exactly as the daemon reports it. The geometric scorer has no probabilities
/// of its own; for the AUC and the ECE each estimate x is spread over the integer PSPI values j = 0…16 with weights
/// exp(−(j − x)² / 2σ²), σ = <see cref="SoftAssignmentSigma"/> PSPI point, normalised, and summed per class. The AUC then
/// measures how well the estimate ranks items of one class above the rest; the ECE measures how well this assumed spread
/// matches the scorer's real error; neither is a calibrated model probability.
/// </para>
/// <para>No pose or quality gate is applied: every face the evaluation found is scored. Not thread-safe (the baselines are a plain dictionary).</para>
/// </remarks>
public sealed class GeometricCropScorer : INeutralBaselineScorer
{
    /// <summary>The spread, in PSPI points, of the soft assignment of a point estimate to classes.</summary>
    public const double SoftAssignmentSigma = 1.0;

    private readonly GeometricPspiScorer _scorer;
    private readonly Dictionary<string, NeutralBaseline> _baselines = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="GeometricCropScorer"/> class.</summary>
    /// <param name="scheme">The class scheme.</param>
    /// <param name="scorer">The geometric scorer; the default limits when <see langword="null"/>.</param>
    public GeometricCropScorer(PainClassScheme scheme, GeometricPspiScorer? scorer = null)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        Scheme = scheme;
        _scorer = scorer ?? new GeometricPspiScorer();
    }

    /// <inheritdoc/>
    public string Description => "geometric (landmark AU proxies against a per-subject neutral baseline)";

    /// <inheritdoc/>
    public PainClassScheme Scheme { get; }

    /// <inheritdoc/>
    public int MaxBatchSize => 256;

    /// <inheritdoc/>
    public string ProbabilityNote =>
        "The geometric scorer gives a PSPI point estimate, not probabilities. Predicted class = the scheme's class of the estimate. "
        + "For AUC and ECE the estimate x is spread over PSPI 0..16 with weights exp(-(j-x)^2/2), sigma = 1 PSPI point, summed per class: "
        + "AUC measures ranking; ECE reflects that assumed spread, not a calibrated probability.";

    /// <inheritdoc/>
    public string BaselineNote =>
        "Neutral baseline per subject = per-proxy median over the subject's items with the lowest labelled PSPI (labels are used only to pick them); those items are scored too.";

    /// <inheritdoc/>
    public string? SetNeutral(string subject, IReadOnlyList<FaceCrop> neutral)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(neutral);
        var fields = new List<float>[AuProxies.FieldCount];
        for (var f = 0; f < fields.Length; f++)
        {
            fields[f] = [];
        }

        foreach (var crop in neutral)
        {
            if (AuProxies.TryFromLandmarks(crop.Landmarks, out var p))
            {
                for (var f = 0; f < fields.Length; f++)
                {
                    fields[f].Add(p.Get(f));
                }
            }
        }

        if (fields[0].Count == 0)
        {
            return "no neutral item with usable landmarks";
        }

        var baseline = new NeutralBaseline(new AuProxies(Median(fields[0]), Median(fields[1]), Median(fields[2]), Median(fields[3]), Median(fields[4]), Median(fields[5]), Median(fields[6]), Median(fields[7]), Median(fields[8]), Median(fields[9])));
        if (!baseline.IsValid)
        {
            return "the neutral items' proxies are not usable (a distance is zero)";
        }

        _baselines[subject] = baseline;
        return null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<CropPrediction> Score(IReadOnlyList<FaceCrop> crops)
    {
        ArgumentNullException.ThrowIfNull(crops);
        var scores = new CropPrediction[crops.Count];
        for (var i = 0; i < crops.Count; i++)
        {
            var crop = crops[i];
            if (!_baselines.TryGetValue(crop.Subject, out var baseline))
            {
                scores[i] = CropPrediction.CannotScore(GeometricPspiScorer.NoBaselineReason);
                continue;
            }

            var estimate = _scorer.Score(crop.Landmarks, baseline);
            scores[i] = estimate.IsScorable
                ? new CropPrediction(estimate.Pspi, SoftAssign(Scheme, estimate.Pspi), Scheme.ClassOf(estimate.Pspi))
                : CropPrediction.CannotScore(estimate.CannotScoreReason!);
        }

        return scores;
    }

    /// <summary>Spreads a PSPI point estimate over the scheme's classes (see the class remarks).</summary>
    /// <param name="scheme">The scheme.</param>
    /// <param name="pspi">The estimate.</param>
    /// <param name="sigma">The spread in PSPI points.</param>
    /// <returns>One probability per class, summing to 1.</returns>
    public static double[] SoftAssign(PainClassScheme scheme, double pspi, double sigma = SoftAssignmentSigma)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        var probabilities = new double[scheme.Count];
        var total = 0.0;
        for (var k = 0; k < scheme.Count; k++)
        {
            var c = scheme.Classes[k];
            for (var j = c.PspiMin; j <= c.PspiMax; j++)
            {
                var d = (j - pspi) / sigma;
                var w = Math.Exp(-0.5 * d * d);
                probabilities[k] += w;
                total += w;
            }
        }

        for (var k = 0; k < probabilities.Length; k++)
        {
            probabilities[k] /= total;
        }

        return probabilities;
    }

    private static float Median(List<float> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
