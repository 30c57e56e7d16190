// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using PainStream.Tools.Commands;
using PainStream.Testing;
using PainStream.Hosting;

namespace PainStream.Tools.Tests;

public sealed class DatasetCommandTests(SynthDatasetFixture synth) : IClassFixture<SynthDatasetFixture>, IDisposable
{
    private readonly TempDirectory _temp = new("painstream-dataset-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Synth_TwoFixtureFaces_WritesAlignedCropsWithSyntheticLabelsPerSubject()
    {
        Assert.True(synth.ExitCode == 0, synth.Stderr);
        var rows = DatasetCli.ReadLabels(synth.Folder);

        // An item is only left out when its face is not found again after every augmentation, and the summary says so.
        Assert.InRange(rows.Count, (2 * SynthDatasetFixture.PerFace) - 2, 2 * SynthDatasetFixture.PerFace);
        Assert.Equal(rows.Count < 2 * SynthDatasetFixture.PerFace, synth.Stdout.Contains("not written", StringComparison.Ordinal));
        Assert.Equal(["astronaut", "messi5"], rows.Select(r => r.Subject).Distinct().Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.True(r.Pspi is >= 0 and <= 16 && r.Pspi == Math.Floor(r.Pspi), $"{r.Path}: PSPI {r.Pspi}"));
        Assert.Contains(rows, r => r.Pspi == 0);
        Assert.Contains(rows, r => r.Pspi >= 4);
        Assert.All(rows, r => Assert.StartsWith(r.Subject + "/", r.Path, StringComparison.Ordinal));
        foreach (var (path, _, _) in rows)
        {
            using var crop = Cv2.ImRead(Path.Combine(synth.Folder, path), ImreadModes.Unchanged);
            Assert.Equal((112, 112, 3), (crop.Cols, crop.Rows, crop.Channels()));
        }

        var provenance = File.ReadAllLines(Path.Combine(synth.Folder, "synth.csv"));
        Assert.Equal(rows.Count + 1, provenance.Length);
        Assert.StartsWith("path,subject,pspi,pspi_exact,au4,au6_7,au9_10,au43,brow_lower,eye_narrow,lip_raise,eye_close", provenance[0], StringComparison.Ordinal);
        Assert.Contains("synthetic labels", synth.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synth_SameSeedWithOneWorker_GivesTheSameLabels()
    {
        var again = _temp.File("again");

        var (code, _, stderr) = await DatasetCli.RunAsync(
            "synth", "--face", TestPaths.Fixture("astronaut.png"), "--face", TestPaths.Fixture("messi5.jpg"),
            "--out", again, "--per-face", "6", "--seed", "7", "--workers", "1", "--models", TestPaths.Models);

        Assert.True(code == 0, stderr);
        var first = DatasetCli.ReadLabels(synth.Folder).Where(r => int.Parse(r.Path[^8..^4], System.Globalization.CultureInfo.InvariantCulture) < 6);
        Assert.Equal(first, DatasetCli.ReadLabels(again));
    }

    [Fact]
    public void Synth_ItemSeeds_AreTheSameInEveryProcess()
    {
        // Values from an independent SplitMix64 in Python: a per-process hash (HashCode.Combine, used before) gave another
        // dataset on every run of the same command, so only the same process could reproduce it.
        Assert.Equal(1478524742, Datasets.GrimaceSynthesizer.ItemSeed(42, 0, 0));
        Assert.Equal(1310986398, Datasets.GrimaceSynthesizer.ItemSeed(42, 0, 1));
        Assert.Equal(995473740, Datasets.GrimaceSynthesizer.ItemSeed(42, 1, 0));
        Assert.Equal(937270642, Datasets.GrimaceSynthesizer.ItemSeed(7, 2, 149));
    }

    [Fact]
    public async Task Synth_Clip_TakesFacesFromFramesEachItsOwnSubject()
    {
        var output = _temp.File("clip");

        var (code, stdout, stderr) = await DatasetCli.RunAsync(
            "synth", "--face", TestPaths.Fixture("Megamind.avi"), "--frames-per-clip", "2", "--per-face", "3", "--out", output, "--models", TestPaths.Models);

        Assert.True(code == 0, stderr);
        var rows = DatasetCli.ReadLabels(output);
        Assert.InRange(rows.Count, 3, 6);
        Assert.All(rows, r => Assert.Matches("^Megamind-f[0-9]{5}$", r.Subject));
        Assert.All(rows, r => Assert.StartsWith(r.Subject + "/" + r.Subject + "-", r.Path, StringComparison.Ordinal));
        Assert.Equal(rows.Count / 3, rows.Select(r => r.Subject).Distinct().Count());
        Assert.Contains("Megamind-f", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synth_ImageWithoutAFace_ExitsWithTheUsageCode()
    {
        var wall = WriteWall(_temp.File("wall.png"), 320, 240);

        var (code, _, stderr) = await DatasetCli.RunAsync("synth", "--face", wall, "--out", _temp.File("out"), "--models", TestPaths.Models);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Contains($"no face found in '{wall}'", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "synth", "--out", "x" }, "give at least one --face IMAGE")]
    [InlineData(new[] { "synth", "--face", "a.png" }, "--out DST is required")]
    [InlineData(new[] { "synth", "--face", "a.png", "--out", "x", "--per-face", "many" }, "--per-face needs a whole number from 1 to 100000, got 'many'")]
    [InlineData(new[] { "align", "--out", "x" }, "give the source dataset folder")]
    [InlineData(new[] { "align", "src", "--out", "x", "--detector", "haar" }, "unknown detector 'haar' (front or back)")]
    [InlineData(new[] { "crop" }, "unknown sub-verb 'crop' (align or synth)")]
    public async Task RunAsync_BadCommandLine_ExitsWithTheUsageCode(string[] args, string message)
    {
        var (code, _, stderr) = await DatasetCli.RunAsync(args);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Align_RowsWithMissingUnreadableAndFacelessImages_CropsTheRestAndListsEverySkippedRow()
    {
        var source = _temp.File("raw");
        Directory.CreateDirectory(Path.Combine(source, "people"));
        File.Copy(TestPaths.Fixture("astronaut.png"), Path.Combine(source, "astronaut.png"));
        File.Copy(TestPaths.Fixture("messi5.jpg"), Path.Combine(source, "people", "messi5.jpg"));
        WriteWall(Path.Combine(source, "wall.png"), 320, 240);
        await File.WriteAllTextAsync(Path.Combine(source, "broken.png"), "not a png", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(
            Path.Combine(source, "labels.csv"),
            "path,subject,pspi,class\nastronaut.png,a,0,\npeople/messi5.jpg,m,3.5,2\nwall.png,w,1,\nmissing.png,x,2,\nbroken.png,b,0,\n",
            TestContext.Current.CancellationToken);
        var output = _temp.File("aligned");

        var (code, stdout, stderr) = await DatasetCli.RunAsync("align", source, "--out", output, "--models", TestPaths.Models);

        Assert.Equal(DatasetCommand.ExitDataError, code);
        Assert.Contains("5 row(s): 2 cropped", stdout, StringComparison.Ordinal);
        Assert.Contains("labels.csv line 4 (wall.png): no face found", stderr, StringComparison.Ordinal);
        Assert.Equal(
            ["path,subject,pspi,class", "astronaut.png,a,0,", "people/messi5.png,m,3.5,2"],
            await File.ReadAllLinesAsync(Path.Combine(output, "labels.csv"), TestContext.Current.CancellationToken));
        Assert.Equal(
            ["line,path,subject,reason", "4,wall.png,w,no face found", "5,missing.png,x,file not found", "6,broken.png,b,not an image OpenCV can decode"],
            await File.ReadAllLinesAsync(Path.Combine(output, "skipped.csv"), TestContext.Current.CancellationToken));
        foreach (var crop in new[] { "astronaut.png", "people/messi5.png" })
        {
            using var mat = Cv2.ImRead(Path.Combine(output, crop), ImreadModes.Unchanged);
            Assert.Equal((112, 112), (mat.Cols, mat.Rows));
        }
    }

    [Fact]
    public async Task Align_PspiOutOfRange_ExitsWithTheDataCodeNamingLineAndColumn()
    {
        var source = _temp.File("bad");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "labels.csv"), "path,subject,pspi\na.png,s,1\nb.png,s,17\n", TestContext.Current.CancellationToken);

        var (code, _, stderr) = await DatasetCli.RunAsync("align", source, "--out", _temp.File("out"), "--models", TestPaths.Models);

        Assert.Equal(DatasetCommand.ExitDataError, code);
        Assert.Contains("labels.csv line 3, column pspi: '17' is not a number from 0 to 16", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("out")));
    }

    [Fact]
    public async Task Align_OutputFolderNotEmpty_ExitsWithTheUsageCode()
    {
        var output = _temp.File("full");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "old.txt"), "x", TestContext.Current.CancellationToken);

        var (code, _, stderr) = await DatasetCli.RunAsync("align", synth.Folder, "--out", output);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Contains("exists and is not empty", stderr, StringComparison.Ordinal);
    }

    internal static string WriteWall(string path, int width, int height)
    {
        using var mat = new Mat(height, width, MatType.CV_8UC3, new Scalar(120, 130, 140));
        Cv2.ImWrite(path, mat);
        return path;
    }
}
