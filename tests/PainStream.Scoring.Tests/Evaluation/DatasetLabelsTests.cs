// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Tools.Evaluation;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Evaluation;

public sealed class DatasetLabelsTests
{
    [Fact]
    public void Parse_ColumnsInAnyOrderWithQuotesAndBlankLines_ReadsEveryRow()
    {
        var problems = DatasetLabels.Parse("time,pspi,path,subject,class\r\n1.5,3,\"a, b.png\",s1,2\n\n,0,dir\\c.png,\"s \"\"2\"\"\",\n", "labels.csv", out var rows);

        Assert.Empty(problems);
        Assert.Equal(
            [new LabelRow(2, "a, b.png", "s1", 3, 2, 1.5), new LabelRow(4, "dir/c.png", "s \"2\"", 0, null, null)],
            rows);
    }

    [Theory]
    [InlineData("path,subject\na.png,s\n", "labels.csv line 1: the header has no 'pspi' column")]
    [InlineData("path,subject,pspi,pspi\na.png,s,1,1\n", "labels.csv line 1: column 'pspi' appears twice in the header")]
    [InlineData("path,subject,pspi\na.png,s\n", "labels.csv line 2: 2 field(s), the header has 3")]
    [InlineData("path,subject,pspi\n/etc/a.png,s,1\n", "labels.csv line 2, column path: '/etc/a.png' must be relative to the dataset folder and stay inside it")]
    [InlineData("path,subject,pspi\n../a.png,s,1\n", "labels.csv line 2, column path: '../a.png' must be relative")]
    [InlineData("path,subject,pspi\na.png,s,16.5\n", "labels.csv line 2, column pspi: '16.5' is not a number from 0 to 16")]
    [InlineData("path,subject,pspi\na.png,s,NaN\n", "labels.csv line 2, column pspi: 'NaN' is not a number from 0 to 16")]
    [InlineData("path,subject,pspi,time\na.png,s,1,soon\n", "labels.csv line 2, column time: 'soon' is not a number of seconds")]
    [InlineData("path,subject,pspi,class\na.png,s,1,-1\n", "labels.csv line 2, column class: '-1' is not a class index")]
    [InlineData("path,subject,pspi\n\"a.png,s,1\n", "labels.csv line 2: a quoted field is not closed")]
    [InlineData("", "labels.csv: empty")]
    public void Parse_BadInput_NamesTheLineAndColumn(string text, string message)
    {
        var problems = DatasetLabels.Parse(text, "labels.csv", out _);

        Assert.Contains(problems, p => p.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeveralBadRows_ReportsEveryOneAndKeepsTheGoodRows()
    {
        var problems = DatasetLabels.Parse("path,subject,pspi\na.png,s,1\nb.png,s,20\nc.png,,2\nd.png,s,4\n", "labels.csv", out var rows);

        Assert.Equal(2, problems.Count);
        Assert.Equal(["a.png", "d.png"], rows.Select(r => r.Path));
    }

    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        using var temp = new TempDirectory();
        LabelRow[] rows = [new(2, "x/a b.png", "p,1", 2.5, null, 0.25), new(3, "y.png", "p2", 16, null, null)];

        DatasetLabels.Write(temp.File("labels.csv"), rows);
        var problems = DatasetLabels.Read(temp.Path, out var back);

        Assert.Empty(problems);
        Assert.Equal(rows, back);
        Assert.StartsWith("path,subject,pspi,time\n", File.ReadAllText(temp.File("labels.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckClasses_ClassBeyondTheScheme_NamesTheRowAndTheScheme()
    {
        var problems = DatasetLabels.CheckClasses([new LabelRow(7, "a.png", "s", 1, 4, null)], PainClassScheme.Gla4);

        Assert.Equal(["labels.csv line 7, column class: 4 is not a class of scheme gla4 (0 to 3: 0 | 1 | 2 | 3-16)"], problems);
    }
}
