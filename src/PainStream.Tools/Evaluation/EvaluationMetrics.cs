// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Tools.Evaluation;

/// <summary>One dataset item as a scorer saw it, with its label.</summary>
/// <param name="Path">The item's path relative to the dataset folder.</param>
/// <param name="Subject">The subject id.</param>
/// <param name="TruePspi">The labelled PSPI.</param>
/// <param name="TrueClass">The labelled class (the <c>class</c> column, or the scheme's class of <paramref name="TruePspi"/>).</param>
/// <param name="PredictedClass">The scorer's class.</param>
/// <param name="PredictedPspi">The scorer's (expected) PSPI.</param>
/// <param name="Probabilities">The scorer's class probabilities, one per class of the scheme, summing to 1.</param>
public sealed record ScoredItem(string Path, string Subject, double TruePspi, int TrueClass, int PredictedClass, double PredictedPspi, double[] Probabilities)
{
    /// <summary>
    /// Gets the probability of the predicted class: the confidence the ECE bins by. For a model that predicts the arg-max
    /// class this is the largest probability (Guo et al.); for a scorer whose class comes from a point estimate (the
    /// geometric scorer) it is the probability it gives its own prediction.
    /// </summary>
    public double Confidence => PredictedClass >= 0 && PredictedClass < Probabilities.Length ? Probabilities[PredictedClass] : double.NaN;
}

/// <summary>The metrics of one subject's items.</summary>
/// <param name="Subject">The subject id.</param>
/// <param name="Count">Scored items.</param>
/// <param name="Accuracy">Class accuracy.</param>
/// <param name="Mae">Mean absolute PSPI error.</param>
/// <param name="Pcc">PSPI correlation (NaN when the subject's labels or predictions are constant).</param>
/// <param name="MeanPspi">Mean labelled PSPI.</param>
/// <param name="MeanPredictedPspi">Mean predicted PSPI.</param>
public sealed record SubjectMetrics(string Subject, int Count, double Accuracy, double Mae, double Pcc, double MeanPspi, double MeanPredictedPspi);

/// <summary>The seeds' metrics over a set of scored items (see <see cref="ClassificationMetrics"/> for each definition).</summary>
/// <param name="Count">Scored items.</param>
/// <param name="Accuracy">Class accuracy.</param>
/// <param name="MacroF1">Macro F1.</param>
/// <param name="KappaLinear">Linearly weighted Cohen's κ.</param>
/// <param name="KappaQuadratic">Quadratically weighted Cohen's κ.</param>
/// <param name="AucMacro">Macro one-vs-rest AUC.</param>
/// <param name="AucSkippedClasses">Classes left out of the AUC (no positive or no negative item).</param>
/// <param name="Calibration">ECE and the reliability table.</param>
/// <param name="Pcc">Pearson correlation of predicted and labelled PSPI.</param>
/// <param name="Mae">Mean absolute error of predicted against labelled PSPI.</param>
/// <param name="Confusion">Rows true class, columns predicted class.</param>
/// <param name="PerSubject">Per-subject breakdown, ordered by subject id (ordinal).</param>
public sealed record EvaluationMetrics(
    int Count,
    double Accuracy,
    double MacroF1,
    double KappaLinear,
    double KappaQuadratic,
    double AucMacro,
    IReadOnlyList<int> AucSkippedClasses,
    CalibrationResult Calibration,
    double Pcc,
    double Mae,
    int[,] Confusion,
    IReadOnlyList<SubjectMetrics> PerSubject)
{
    /// <summary>Gets the expected calibration error (15 bins).</summary>
    public double Ece => Calibration.Ece;

    /// <summary>Computes every metric.</summary>
    /// <param name="items">The scored items.</param>
    /// <param name="scheme">The class scheme the classes and probabilities refer to.</param>
    /// <returns>The metrics.</returns>
    public static EvaluationMetrics Compute(IReadOnlyList<ScoredItem> items, PainClassScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(scheme);
        var k = scheme.Count;
        var n = items.Count;
        var truth = new int[n];
        var predicted = new int[n];
        var truePspi = new double[n];
        var predictedPspi = new double[n];
        var confidence = new double[n];
        var correct = new bool[n];
        var probabilities = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var item = items[i];
            truth[i] = item.TrueClass;
            predicted[i] = item.PredictedClass;
            truePspi[i] = item.TruePspi;
            predictedPspi[i] = item.PredictedPspi;
            probabilities[i] = item.Probabilities;
            confidence[i] = item.Confidence;
            correct[i] = item.TrueClass == item.PredictedClass;
        }

        var perSubject = new List<SubjectMetrics>();
        foreach (var group in items.GroupBy(i => i.Subject, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var t = group.Select(i => i.TrueClass).ToArray();
            var p = group.Select(i => i.PredictedClass).ToArray();
            var tp = group.Select(i => i.TruePspi).ToArray();
            var pp = group.Select(i => i.PredictedPspi).ToArray();
            perSubject.Add(new SubjectMetrics(
                group.Key,
                t.Length,
                ClassificationMetrics.Accuracy(t, p),
                ClassificationMetrics.MeanAbsoluteError(pp, tp),
                ClassificationMetrics.Pearson(pp, tp),
                tp.Average(),
                pp.Average()));
        }

        return new EvaluationMetrics(
            n,
            ClassificationMetrics.Accuracy(truth, predicted),
            ClassificationMetrics.MacroF1(truth, predicted, k),
            ClassificationMetrics.CohenKappa(truth, predicted, k, KappaWeighting.Linear),
            ClassificationMetrics.CohenKappa(truth, predicted, k, KappaWeighting.Quadratic),
            ClassificationMetrics.MacroAucOneVsRest(truth, probabilities, k, out var skipped),
            skipped,
            ClassificationMetrics.Calibration(confidence, correct),
            ClassificationMetrics.Pearson(predictedPspi, truePspi),
            ClassificationMetrics.MeanAbsoluteError(predictedPspi, truePspi),
            ClassificationMetrics.ConfusionMatrix(truth, predicted, k),
            perSubject);
    }
}
