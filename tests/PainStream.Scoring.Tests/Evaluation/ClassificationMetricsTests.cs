// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Tools.Evaluation;

namespace PainStream.Scoring.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    [Fact]
    public void Calibration_HandCheckedExample_GivesEceAndReliabilityTable()
    {
        // Bin 14 (14/15, 1]: 0.95 0.97 0.99 0.99, three right → acc 0.75, conf 0.975, gap 0.225, weight 4/10.
        // Bin 9 (9/15, 10/15]: 0.62 0.64, one right → acc 0.5, conf 0.63, gap 0.13, weight 2/10.
        // Bin 5 (5/15, 6/15]: 0.35 0.37 0.39 0.40 (0.40 = 6/15 is the bin's inclusive upper edge), one right → acc 0.25,
        // conf 0.3775, gap 0.1275, weight 4/10.
        // ECE = 0.4·0.225 + 0.2·0.13 + 0.4·0.1275 = 0.09 + 0.026 + 0.051 = 0.167.
        double[] confidence = [0.95, 0.97, 0.99, 0.99, 0.62, 0.64, 0.35, 0.37, 0.39, 0.40];
        bool[] correct = [true, true, true, false, true, false, false, false, false, true];

        var result = ClassificationMetrics.Calibration(confidence, correct);

        Assert.Equal(0.167, result.Ece, 1e-12);
        Assert.Equal(15, result.Bins.Count);
        Assert.Equal(10, result.Bins.Sum(b => b.Count));
        Assert.Equal(4, result.Bins[14].Count);
        Assert.Equal(0.75, result.Bins[14].Accuracy, 1e-12);
        Assert.Equal(0.975, result.Bins[14].MeanConfidence, 1e-12);
        Assert.Equal(2, result.Bins[9].Count);
        Assert.Equal(0.63, result.Bins[9].MeanConfidence, 1e-12);
        Assert.Equal(4, result.Bins[5].Count);
        Assert.Equal(0.3775, result.Bins[5].MeanConfidence, 1e-12);
        Assert.Equal(0.25, result.Bins[5].Accuracy, 1e-12);
        Assert.Equal(0, result.Bins[6].Count);
        Assert.True(double.IsNaN(result.Bins[6].Accuracy));
        Assert.Equal(5 / 15.0, result.Bins[5].Lower, 1e-15);
        Assert.Equal(6 / 15.0, result.Bins[5].Upper, 1e-15);
    }

    [Fact]
    public void Calibration_PerfectlyCalibratedOneHot_IsZero()
    {
        var result = ClassificationMetrics.Calibration([1.0, 1.0, 1.0], [true, true, true]);

        Assert.Equal(0, result.Ece);
        Assert.Equal(3, result.Bins[14].Count);
    }

    [Fact]
    public void BinaryAuc_TiedScores_CountOneHalf()
    {
        // Positives 0.5, 0.8; negatives 0.5, 0.2: pairs (0.5, 0.5) = ½, the other three = 1 → 3.5 / 4.
        var auc = ClassificationMetrics.BinaryAuc([true, true, false, false], [0.5, 0.8, 0.5, 0.2]);

        Assert.Equal(0.875, auc, 1e-15);
    }

    [Fact]
    public void BinaryAuc_AllScoresEqual_IsOneHalf() =>
        Assert.Equal(0.5, ClassificationMetrics.BinaryAuc([true, false, true, false], [0.3, 0.3, 0.3, 0.3]), 1e-15);

    [Fact]
    public void MacroAucOneVsRest_ClassMissingFromTruth_IsSkippedAndReported()
    {
        double[][] p = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1]];

        var auc = ClassificationMetrics.MacroAucOneVsRest([0, 1, 0, 1], p, 3, out var skipped);

        Assert.Equal(1.0, auc, 1e-15);
        Assert.Equal([2], skipped);
    }

    [Fact]
    public void CohenKappa_PerfectAgreement_IsOne()
    {
        int[] y = [0, 1, 2, 3, 4, 2, 1];

        Assert.Equal(1.0, ClassificationMetrics.CohenKappa(y, y, 5, KappaWeighting.Quadratic), 1e-15);
        Assert.Equal(1.0, ClassificationMetrics.CohenKappa(y, y, 5, KappaWeighting.Linear), 1e-15);
    }

    [Fact]
    public void CohenKappa_EverythingInOneClass_IsNaN() =>
        Assert.True(double.IsNaN(ClassificationMetrics.CohenKappa([2, 2, 2], [2, 2, 2], 5, KappaWeighting.Quadratic)));

    [Fact]
    public void Pearson_ConstantSeries_IsNaN() =>
        Assert.True(double.IsNaN(ClassificationMetrics.Pearson([1.0, 1.0, 1.0], [0.0, 1.0, 2.0])));

    [Theory]
    [InlineData("gla4", 0.0, 0)]
    [InlineData("gla4", 2.49, 2)]
    [InlineData("gla4", 2.5, 3)]
    [InlineData("gla4", 16.0, 3)]
    [InlineData("da5", 1.5, 2)]
    [InlineData("da5", 3.49, 2)]
    [InlineData("da5", 6.6, 4)]
    [InlineData("res7", 0.49, 0)]
    [InlineData("res7", 12.5, 6)]
    [InlineData("res7", 9.0, 4)]
    public void ClassOf_Pspi_RoundsHalfUpIntoTheSchemesRanges(string name, double pspi, int expected)
    {
        Assert.True(PainClassScheme.TryGet(name, out var scheme));

        Assert.Equal(expected, scheme.ClassOf(pspi));
    }

    [Fact]
    public void ExpectedPspi_OneHotOnLastDa5Class_IsItsMidpoint()
    {
        Assert.Equal(11.5, PainClassScheme.Da5.ExpectedPspi([0, 0, 0, 0, 1.0]));
        Assert.Equal(["0", "1", "2-3", "4-6", "7-16"], PainClassScheme.Da5.Classes.Select(c => c.Label));
    }
}
