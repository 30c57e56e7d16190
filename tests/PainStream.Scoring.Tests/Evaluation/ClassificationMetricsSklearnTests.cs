// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using PainStream.Tools.Evaluation;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Evaluation;

/// <summary>
/// The C# metrics against scikit-learn 1.x / NumPy (Debian python3-sklearn) on the same predictions, within 1e-9: accuracy,
/// macro F1, Cohen's κ linear and quadratic over the scheme's classes, macro one-vs-rest AUC (with tied scores), PCC, MAE
/// and the confusion matrix.
/// </summary>
public sealed class ClassificationMetricsSklearnTests
{
    private const double Tolerance = 1e-9;

    private const string Script = """
        import sys, json, csv
        import numpy as np
        from sklearn.metrics import accuracy_score, f1_score, cohen_kappa_score, roc_auc_score, mean_absolute_error, confusion_matrix
        path, K = sys.argv[1], int(sys.argv[2])
        with open(path, newline="") as f:
            rows = list(csv.reader(f))[1:]
        yt = np.array([int(r[0]) for r in rows]); yp = np.array([int(r[1]) for r in rows])
        tp = np.array([float(r[2]) for r in rows]); pp = np.array([float(r[3]) for r in rows])
        P = np.array([[float(x) for x in r[4:4 + K]] for r in rows])
        labels = list(range(K))
        out = {
            "accuracy": float(accuracy_score(yt, yp)),
            "macro_f1": float(f1_score(yt, yp, average="macro", zero_division=0)),
            "kappa_linear": float(cohen_kappa_score(yt, yp, labels=labels, weights="linear")),
            "kappa_quadratic": float(cohen_kappa_score(yt, yp, labels=labels, weights="quadratic")),
            "pcc": float(np.corrcoef(pp, tp)[0, 1]),
            "mae": float(mean_absolute_error(tp, pp)),
            "confusion": confusion_matrix(yt, yp, labels=labels).tolist(),
        }
        present = [k for k in labels if 0 < int((yt == k).sum()) < len(yt)]
        out["auc_macro_binary"] = float(np.mean([roc_auc_score(yt == k, P[:, k]) for k in present]))
        out["auc_skipped"] = [k for k in labels if k not in present]
        if len(present) == K:
            out["auc_macro_ovr"] = float(roc_auc_score(yt, P, multi_class="ovr", average="macro", labels=labels))
        print(json.dumps(out))
        """;

    public static TheoryData<int, string, int, bool> Scenarios => new()
    {
        { 1, "da5", 200, false },
        { 2, "res7", 300, false },
        { 3, "gla4", 40, false },
        { 4, "da5", 9, false },
        { 5, "res7", 120, true }, // one class never in the truth, another never predicted
        { 6, "da5", 1000, false },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Metrics_RandomPredictions_EqualScikitLearn(int seed, string schemeName, int count, bool withAbsentClasses)
    {
        Assert.True(PainClassScheme.TryGet(schemeName, out var scheme));
        var items = Generate(seed, scheme, count, withAbsentClasses);
        using var temp = new TempDirectory("painstream-metrics-");
        var csv = temp.File("predictions.csv");
        await File.WriteAllTextAsync(csv, ToCsv(items, scheme.Count), TestContext.Current.CancellationToken);

        using var reference = await PythonSklearn.RunJsonAsync(Script, [csv, scheme.Count.ToString(CultureInfo.InvariantCulture)], TestContext.Current.CancellationToken);
        var expected = reference.RootElement;
        var actual = EvaluationMetrics.Compute(items, scheme);

        Assert.Equal(expected.GetProperty("accuracy").GetDouble(), actual.Accuracy, Tolerance);
        Assert.Equal(expected.GetProperty("macro_f1").GetDouble(), actual.MacroF1, Tolerance);
        Assert.Equal(expected.GetProperty("kappa_linear").GetDouble(), actual.KappaLinear, Tolerance);
        Assert.Equal(expected.GetProperty("kappa_quadratic").GetDouble(), actual.KappaQuadratic, Tolerance);
        Assert.Equal(expected.GetProperty("pcc").GetDouble(), actual.Pcc, Tolerance);
        Assert.Equal(expected.GetProperty("mae").GetDouble(), actual.Mae, Tolerance);
        Assert.Equal(expected.GetProperty("auc_macro_binary").GetDouble(), actual.AucMacro, Tolerance);
        Assert.Equal(expected.GetProperty("auc_skipped").EnumerateArray().Select(e => e.GetInt32()), actual.AucSkippedClasses);
        if (expected.TryGetProperty("auc_macro_ovr", out var ovr))
        {
            Assert.Equal(ovr.GetDouble(), actual.AucMacro, Tolerance);
        }
        else
        {
            Assert.True(withAbsentClasses, "scikit-learn's one-vs-rest AUC was not computed although every class occurs");
        }

        var confusion = expected.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        for (var i = 0; i < scheme.Count; i++)
        {
            for (var j = 0; j < scheme.Count; j++)
            {
                Assert.Equal(confusion[i][j], actual.Confusion[i, j]);
            }
        }
    }

    [Fact]
    public async Task RunJsonAsync_ScikitLearnPresent_ReportsItsVersion()
    {
        // Fails (never skips) with the install command when python3-sklearn is missing.
        using var version = await PythonSklearn.RunJsonAsync("import json, sklearn; print(json.dumps(sklearn.__version__))", [], TestContext.Current.CancellationToken);

        Assert.False(string.IsNullOrEmpty(version.RootElement.GetString()));
    }

    /// <summary>
    /// Predictions that agree with the truth more often than chance, probabilities on a 1/20 grid so that many scores tie
    /// (the AUC's tie handling is exercised), every class in the truth unless <paramref name="withAbsentClasses"/>.
    /// </summary>
    internal static List<ScoredItem> Generate(int seed, PainClassScheme scheme, int count, bool withAbsentClasses)
    {
        var random = new Random(seed);
        var k = scheme.Count;
        var items = new List<ScoredItem>(count);
        for (var i = 0; i < count; i++)
        {
            var truth = i < 2 * k ? i % k : random.Next(k);
            if (withAbsentClasses && truth == 1)
            {
                truth = 0;
            }

            var weights = new int[k];
            var lean = random.NextDouble() < 0.6 ? truth : random.Next(k);
            for (var s = 0; s < 20; s++)
            {
                var c = random.NextDouble() < 0.5 ? lean : Math.Clamp(lean + random.Next(-2, 3), 0, k - 1);
                if (withAbsentClasses && c == k - 1)
                {
                    c = k - 2;
                }

                weights[c]++;
            }

            var probabilities = weights.Select(w => w / 20.0).ToArray();
            var predicted = Array.IndexOf(weights, weights.Max());
            var range = scheme.Classes[truth];
            var truePspi = random.Next(range.PspiMin, range.PspiMax + 1);
            items.Add(new ScoredItem($"img{i}.png", $"s{i % 4}", truePspi, truth, predicted, scheme.ExpectedPspi(probabilities), probabilities));
        }

        return items;
    }

    private static string ToCsv(IReadOnlyList<ScoredItem> items, int k)
    {
        var text = new StringBuilder();
        text.Append("y_true,y_pred,pspi,pred_pspi");
        for (var c = 0; c < k; c++)
        {
            text.Append(CultureInfo.InvariantCulture, $",p{c}");
        }

        text.Append('\n');
        foreach (var item in items)
        {
            text.Append(CultureInfo.InvariantCulture, $"{item.TrueClass},{item.PredictedClass},{item.TruePspi:R},{item.PredictedPspi:R}");
            foreach (var p in item.Probabilities)
            {
                text.Append(CultureInfo.InvariantCulture, $",{p:R}");
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
