// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Tools.Evaluation;

/// <summary>How disagreements are weighted in <see cref="ClassificationMetrics.CohenKappa"/>.</summary>
public enum KappaWeighting
{
    /// <summary>Every disagreement weighs 1 (plain Cohen's κ).</summary>
    None,

    /// <summary>A disagreement of classes i and j weighs |i − j|.</summary>
    Linear,

    /// <summary>A disagreement of classes i and j weighs (i − j)².</summary>
    Quadratic,
}

/// <summary>One bin of a reliability table (<see cref="ClassificationMetrics.Calibration"/>).</summary>
/// <param name="Lower">The bin's lower edge (exclusive, except 0 for the first bin).</param>
/// <param name="Upper">The bin's upper edge (inclusive).</param>
/// <param name="Count">How many items have their confidence in the bin.</param>
/// <param name="MeanConfidence">Their mean confidence (NaN when the bin is empty).</param>
/// <param name="Accuracy">The fraction of them predicted correctly (NaN when the bin is empty).</param>
public readonly record struct ReliabilityBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy)
{
    /// <summary>Gets |accuracy − confidence| (NaN when the bin is empty).</summary>
    public double Gap => Math.Abs(Accuracy - MeanConfidence);
}

/// <summary>The expected calibration error and the reliability table it is computed from.</summary>
/// <param name="Ece">Σ_b (n_b / n) · |acc_b − conf_b|.</param>
/// <param name="Bins">Every bin, empty ones included.</param>
public sealed record CalibrationResult(double Ece, IReadOnlyList<ReliabilityBin> Bins);

/// <summary>
/// The seeds' evaluation metrics over class indices, class probabilities and PSPI values. Every metric is a pure function
/// of its inputs, written to give the same numbers as scikit-learn / NumPy (the tests compare them within 1e-9).
/// </summary>
/// <remarks>
/// <para>
/// <b>Which classes count.</b> Macro F1 averages over the classes present in the truth or the prediction, as
/// <c>sklearn.metrics.f1_score(average="macro")</c> does by default. Cohen's κ uses all <c>classCount</c> classes of the
/// scheme, in order, so a linear or quadratic weight is the distance between the scheme's classes even when a class in
/// between never occurs (<c>cohen_kappa_score(…, labels=range(K))</c>; scikit-learn's default would renumber the classes
/// that occur, making 1 and 3 neighbours when 2 is absent). Macro one-vs-rest AUC averages over the classes that occur in
/// the truth with at least one item of another class (a class without positives has no AUC; scikit-learn raises there);
/// the skipped classes are reported.
/// </para>
/// <para>
/// <b>Undefined values</b> are NaN, never 0: κ when the chance agreement leaves nothing to explain (every item in one class),
/// PCC when either series is constant, AUC when no class qualifies, a bin's accuracy when it is empty.
/// </para>
/// <para>Thread-safe: static and stateless.</para>
/// </remarks>
public static class ClassificationMetrics
{
    /// <summary>The number of equal-width confidence bins of the ECE (Guo et al. 2017; the seeds use 15).</summary>
    public const int DefaultEceBins = 15;

    /// <summary>The fraction of items whose predicted class equals the true class.</summary>
    /// <param name="truth">True class per item.</param>
    /// <param name="predicted">Predicted class per item.</param>
    /// <returns>The accuracy, NaN for no items.</returns>
    public static double Accuracy(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        CheckSameLength(truth.Length, predicted.Length);
        if (truth.Length == 0)
        {
            return double.NaN;
        }

        var correct = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            correct += truth[i] == predicted[i] ? 1 : 0;
        }

        return correct / (double)truth.Length;
    }

    /// <summary>The confusion matrix: rows are true classes, columns predicted classes.</summary>
    /// <param name="truth">True class per item, 0 to <paramref name="classCount"/> − 1.</param>
    /// <param name="predicted">Predicted class per item.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <returns>The counts.</returns>
    public static int[,] ConfusionMatrix(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted, int classCount)
    {
        CheckSameLength(truth.Length, predicted.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        var matrix = new int[classCount, classCount];
        for (var i = 0; i < truth.Length; i++)
        {
            matrix[CheckClass(truth[i], classCount, nameof(truth)), CheckClass(predicted[i], classCount, nameof(predicted))]++;
        }

        return matrix;
    }

    /// <summary>Macro-averaged F1 over the classes present in the truth or the prediction (scikit-learn's default).</summary>
    /// <param name="truth">True class per item.</param>
    /// <param name="predicted">Predicted class per item.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <returns>The macro F1, NaN for no items.</returns>
    public static double MacroF1(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted, int classCount)
    {
        var matrix = ConfusionMatrix(truth, predicted, classCount);
        var sum = 0.0;
        var present = 0;
        for (var k = 0; k < classCount; k++)
        {
            int tp = matrix[k, k], fp = 0, fn = 0;
            for (var j = 0; j < classCount; j++)
            {
                if (j != k)
                {
                    fp += matrix[j, k];
                    fn += matrix[k, j];
                }
            }

            if (tp + fp + fn == 0)
            {
                // Neither true nor predicted anywhere: not one of scikit-learn's labels.
                continue;
            }

            present++;
            sum += 2.0 * tp / ((2.0 * tp) + fp + fn);
        }

        return present == 0 ? double.NaN : sum / present;
    }

    /// <summary>Cohen's κ over all <paramref name="classCount"/> classes, weighted by class-index distance.</summary>
    /// <param name="truth">True class per item.</param>
    /// <param name="predicted">Predicted class per item.</param>
    /// <param name="classCount">The number of classes of the scheme.</param>
    /// <param name="weighting">The disagreement weights.</param>
    /// <returns>κ = 1 − Σ w·O / Σ w·E; NaN when Σ w·E is 0 or there are no items.</returns>
    public static double CohenKappa(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted, int classCount, KappaWeighting weighting)
    {
        var matrix = ConfusionMatrix(truth, predicted, classCount);
        var n = truth.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var rows = new double[classCount];
        var columns = new double[classCount];
        for (var i = 0; i < classCount; i++)
        {
            for (var j = 0; j < classCount; j++)
            {
                rows[i] += matrix[i, j];
                columns[j] += matrix[i, j];
            }
        }

        double observed = 0, expected = 0;
        for (var i = 0; i < classCount; i++)
        {
            for (var j = 0; j < classCount; j++)
            {
                var d = Math.Abs(i - j);
                double w = weighting switch
                {
                    KappaWeighting.Linear => d,
                    KappaWeighting.Quadratic => d * d,
                    _ => d == 0 ? 0 : 1,
                };
                observed += w * matrix[i, j];
                expected += w * rows[i] * columns[j] / n;
            }
        }

        return expected == 0 ? double.NaN : 1 - (observed / expected);
    }

    /// <summary>
    /// Area under the ROC curve of one score for a binary truth, ties counting one half (the Mann–Whitney U statistic with
    /// mid-ranks; equal to scikit-learn's trapezoidal <c>roc_auc_score</c>).
    /// </summary>
    /// <param name="positive">Whether each item is a positive.</param>
    /// <param name="score">The score per item (higher means more likely positive).</param>
    /// <returns>The AUC; NaN when there are no positives or no negatives.</returns>
    public static double BinaryAuc(ReadOnlySpan<bool> positive, ReadOnlySpan<double> score)
    {
        CheckSameLength(positive.Length, score.Length);
        var n = positive.Length;
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
            if (double.IsNaN(score[i]))
            {
                throw new ArgumentException($"Score {i} is NaN.", nameof(score));
            }
        }

        var keys = score.ToArray();
        Array.Sort(keys, order);
        double positiveRankSum = 0;
        long positives = 0;
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            // Ranks start+1 … end share their mean.
            var midRank = (start + 1 + end) / 2.0;
            for (var i = start; i < end; i++)
            {
                if (positive[order[i]])
                {
                    positiveRankSum += midRank;
                    positives++;
                }
            }

            start = end;
        }

        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        return (positiveRankSum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }

    /// <summary>Macro one-vs-rest AUC: the mean of each class's <see cref="BinaryAuc"/> of its probability column.</summary>
    /// <param name="truth">True class per item.</param>
    /// <param name="probabilities">Per item, one probability per class.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="skipped">The classes left out because the truth has no item of them (or only them).</param>
    /// <returns>The macro AUC; NaN when no class qualifies.</returns>
    public static double MacroAucOneVsRest(ReadOnlySpan<int> truth, IReadOnlyList<double[]> probabilities, int classCount, out IReadOnlyList<int> skipped)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        CheckSameLength(truth.Length, probabilities.Count);
        var positive = new bool[truth.Length];
        var column = new double[truth.Length];
        var sum = 0.0;
        var counted = 0;
        var left = new List<int>();
        for (var k = 0; k < classCount; k++)
        {
            for (var i = 0; i < truth.Length; i++)
            {
                var p = probabilities[i];
                if (p.Length != classCount)
                {
                    throw new ArgumentException($"Item {i} has {p.Length} probabilities, expected {classCount}.", nameof(probabilities));
                }

                positive[i] = CheckClass(truth[i], classCount, nameof(truth)) == k;
                column[i] = p[k];
            }

            var auc = BinaryAuc(positive, column);
            if (double.IsNaN(auc))
            {
                left.Add(k);
                continue;
            }

            sum += auc;
            counted++;
        }

        skipped = left;
        return counted == 0 ? double.NaN : sum / counted;
    }

    /// <summary>
    /// Expected calibration error over <paramref name="binCount"/> equal-width confidence bins: bin b holds the confidences
    /// in (b/B, (b+1)/B] (the first bin also holds 0), ECE = Σ_b (n_b / n) · |acc_b − conf_b|.
    /// </summary>
    /// <param name="confidence">The predicted class's probability per item.</param>
    /// <param name="correct">Whether the predicted class is the true one.</param>
    /// <param name="binCount">The number of bins (<see cref="DefaultEceBins"/>).</param>
    /// <returns>The ECE (NaN for no items) and the reliability table.</returns>
    public static CalibrationResult Calibration(ReadOnlySpan<double> confidence, ReadOnlySpan<bool> correct, int binCount = DefaultEceBins)
    {
        CheckSameLength(confidence.Length, correct.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(binCount);
        var counts = new int[binCount];
        var confidenceSums = new double[binCount];
        var correctCounts = new int[binCount];
        for (var i = 0; i < confidence.Length; i++)
        {
            var c = confidence[i];
            if (!(c >= 0 && c <= 1))
            {
                throw new ArgumentException($"Confidence {i} is {c}, not in [0, 1].", nameof(confidence));
            }

            var b = 0;
            while (b < binCount - 1 && c > (b + 1) / (double)binCount)
            {
                b++;
            }

            counts[b]++;
            confidenceSums[b] += c;
            correctCounts[b] += correct[i] ? 1 : 0;
        }

        var bins = new ReliabilityBin[binCount];
        var ece = 0.0;
        for (var b = 0; b < binCount; b++)
        {
            var n = counts[b];
            var meanConfidence = n == 0 ? double.NaN : confidenceSums[b] / n;
            var accuracy = n == 0 ? double.NaN : correctCounts[b] / (double)n;
            bins[b] = new ReliabilityBin(b / (double)binCount, (b + 1) / (double)binCount, n, meanConfidence, accuracy);
            if (n > 0)
            {
                ece += n / (double)confidence.Length * Math.Abs(accuracy - meanConfidence);
            }
        }

        return new CalibrationResult(confidence.Length == 0 ? double.NaN : ece, bins);
    }

    /// <summary>Pearson's correlation coefficient (as <c>numpy.corrcoef(x, y)[0, 1]</c>).</summary>
    /// <param name="x">First series.</param>
    /// <param name="y">Second series.</param>
    /// <returns>The PCC; NaN when either series is constant or has fewer than two items.</returns>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        CheckSameLength(x.Length, y.Length);
        var n = x.Length;
        if (n < 2)
        {
            return double.NaN;
        }

        double meanX = 0, meanY = 0;
        for (var i = 0; i < n; i++)
        {
            meanX += x[i];
            meanY += y[i];
        }

        meanX /= n;
        meanY /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = x[i] - meanX;
            var dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>The mean absolute difference.</summary>
    /// <param name="predicted">Predicted values.</param>
    /// <param name="truth">True values.</param>
    /// <returns>The MAE, NaN for no items.</returns>
    public static double MeanAbsoluteError(ReadOnlySpan<double> predicted, ReadOnlySpan<double> truth)
    {
        CheckSameLength(predicted.Length, truth.Length);
        if (predicted.Length == 0)
        {
            return double.NaN;
        }

        var sum = 0.0;
        for (var i = 0; i < predicted.Length; i++)
        {
            sum += Math.Abs(predicted[i] - truth[i]);
        }

        return sum / predicted.Length;
    }

    private static void CheckSameLength(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"The inputs have different lengths ({a} and {b}).");
        }
    }

    private static int CheckClass(int value, int classCount, string name) =>
        value >= 0 && value < classCount ? value : throw new ArgumentOutOfRangeException(name, value, $"A class index must be 0 to {classCount - 1}.");
}
