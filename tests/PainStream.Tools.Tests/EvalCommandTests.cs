// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using PainStream.Tools.Commands;
using PainStream.Testing;
using PainStream.Hosting;

namespace PainStream.Tools.Tests;

public sealed class EvalCommandTests(SynthDatasetFixture synth) : IClassFixture<SynthDatasetFixture>, IDisposable
{
    private readonly TempDirectory _temp = new("painstream-eval-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Eval_SynthDatasetWithTheGeometricScorer_WritesReportsAndSnakeCaseJsonWithHighAgreement()
    {
        Assert.True(synth.ExitCode == 0, synth.Stderr);
        var dataset = CopyWithBlankItem();
        var report = _temp.File("report");

        var (code, stdout, stderr) = await DatasetCli.EvalAsync(dataset, "--scorer", "geometric", "--scheme", "da5", "--json", "--report", report, "--models", TestPaths.Models);

        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(report, "report.md")));
        Assert.True(File.Exists(Path.Combine(report, "report.json")));
        Assert.True(File.Exists(Path.Combine(report, "predictions.csv")));
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        TestContext.Current.TestOutputHelper?.WriteLine(stdout);
        foreach (var name in new[] { "accuracy", "macro_f1", "kappa_linear", "kappa_quadratic", "auc_macro", "ece", "pcc", "mae", "confusion", "per_subject", "reliability", "items", "no_face", "throughput" })
        {
            Assert.True(root.TryGetProperty(name, out _), $"the JSON has no '{name}'");
        }

        var rows = DatasetCli.ReadLabels(dataset).Count;
        Assert.Equal(rows, root.GetProperty("items").GetInt32());
        var noFace = root.GetProperty("no_face");
        Assert.Equal(1, noFace.GetProperty("count").GetInt32());
        Assert.Equal("blank.png", noFace.GetProperty("items")[0].GetProperty("path").GetString());
        var scored = root.GetProperty("scored").GetInt32();
        Assert.Equal(rows - 1, scored + root.GetProperty("not_scored").GetProperty("count").GetInt32());
        Assert.Equal(scored, root.GetProperty("confusion").EnumerateArray().Sum(r => r.EnumerateArray().Sum(c => c.GetInt32())));
        Assert.Equal(15, root.GetProperty("reliability").GetArrayLength());
        Assert.Equal(["astronaut", "messi5"], root.GetProperty("per_subject").EnumerateArray().Select(s => s.GetProperty("subject").GetString()));
        Assert.True(root.GetProperty("throughput").GetProperty("items_per_second").GetDouble() > 0);

        // The labels are the geometric proxy of the warp itself; the scorer re-finds it through re-detected landmarks, so it
        // agrees well but not perfectly (dlib's landmarks under-read large displacements; ~0.7 κ / 0.8 PCC on 200 items).
        var get = (string n) => root.GetProperty(n).GetDouble();
        Assert.InRange(get("accuracy"), 0.3, 1);
        Assert.InRange(get("kappa_quadratic"), 0.4, 1);
        Assert.InRange(get("kappa_linear"), 0.25, 1);
        Assert.InRange(get("pcc"), 0.5, 1);
        Assert.InRange(get("mae"), 0, 2.5);
        Assert.InRange(get("auc_macro"), 0.6, 1);
        Assert.InRange(get("macro_f1"), 0, 1);
        Assert.InRange(get("ece"), 0, 1);
        Assert.Contains("sigma = 1", root.GetProperty("notes").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_PredictionsFile_GivesScikitLearnTheReportsMetrics()
    {
        var report = _temp.File("parity");
        var (code, _, stderr) = await DatasetCli.EvalAsync(synth.Folder, "--scheme", "res7", "--report", report, "--models", TestPaths.Models);
        Assert.True(code == 0, stderr);

        // The kit's Python evaluation reads the same predictions.csv: both sides must agree on the same predictions.
        const string Script = """
            import sys, csv, json
            import numpy as np
            from sklearn.metrics import accuracy_score, f1_score, cohen_kappa_score, mean_absolute_error
            with open(sys.argv[1], newline="") as f:
                rows = list(csv.DictReader(f))
            yt = [int(r["class"]) for r in rows]; yp = [int(r["predicted_class"]) for r in rows]
            t = np.array([float(r["pspi"]) for r in rows]); p = np.array([float(r["predicted_pspi"]) for r in rows])
            print(json.dumps({"accuracy": accuracy_score(yt, yp), "macro_f1": f1_score(yt, yp, average="macro", zero_division=0),
                "kappa_quadratic": cohen_kappa_score(yt, yp, labels=list(range(7)), weights="quadratic"),
                "pcc": float(np.corrcoef(p, t)[0, 1]), "mae": mean_absolute_error(t, p)}))
            """;
        using var expected = await PythonSklearn.RunJsonAsync(Script, [Path.Combine(report, "predictions.csv")], TestContext.Current.CancellationToken);
        using var actual = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(report, "report.json"), TestContext.Current.CancellationToken));
        foreach (var name in new[] { "accuracy", "macro_f1", "kappa_quadratic", "pcc", "mae" })
        {
            Assert.Equal(expected.RootElement.GetProperty(name).GetDouble(), actual.RootElement.GetProperty(name).GetDouble(), 1e-9);
        }
    }

    [Theory]
    [InlineData("geometric")]
    [InlineData("onnx")]
    public async Task Eval_PredictionsFile_TheKitsPythonEvaluationAgreesOnEveryMetric(string scorer)
    {
        var report = _temp.File("kit-" + scorer);
        var model = new TinyPainModel().Write(_temp.File("model-" + scorer));
        string[] scorerArgs = scorer == "onnx" ? ["--scorer", "onnx:" + model] : ["--scorer", "geometric", "--scheme", "da5"];
        var (code, _, stderr) = await DatasetCli.EvalAsync([synth.Folder, .. scorerArgs, "--report", report, "--models", TestPaths.Models]);
        Assert.True(code == 0, stderr);

        // training/metrics.py (python3 -m training eval-predictions) reads painstream eval's own predictions.csv.
        const string Script = """
            import sys
            sys.path.insert(0, sys.argv[1])
            from training.__main__ import main
            sys.exit(main(sys.argv[2:]))
            """;
        string[] kitArgs = scorer == "onnx"
            ? [TestPaths.RepoRoot, "eval-predictions", Path.Combine(report, "predictions.csv"), "--manifest", Path.ChangeExtension(model, ".manifest.json"), "--json"]
            : [TestPaths.RepoRoot, "eval-predictions", Path.Combine(report, "predictions.csv"), "--scheme", "da5", "--json"];
        using var kit = await PythonSklearn.RunJsonAsync(Script, kitArgs, TestContext.Current.CancellationToken);
        using var csharp = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(report, "report.json"), TestContext.Current.CancellationToken));
        var k = kit.RootElement;
        var c = csharp.RootElement;
        TestContext.Current.TestOutputHelper?.WriteLine(c.GetProperty("scorer").ToString());
        Assert.StartsWith(scorer, c.GetProperty("scorer").GetString(), StringComparison.Ordinal);
        Assert.Equal(k.GetProperty("n").GetInt32(), c.GetProperty("scored").GetInt32());
        Assert.True(c.GetProperty("scored").GetInt32() >= 40, "most synthetic crops are scored");
        foreach (var name in new[] { "accuracy", "macro_f1", "kappa_linear", "kappa_quadratic", "auc_macro", "ece", "pcc", "mae" })
        {
            Assert.True(k.GetProperty(name).ValueKind == c.GetProperty(name).ValueKind, $"{name}: kit {k.GetProperty(name)}, C# {c.GetProperty(name)}");
            if (k.GetProperty(name).ValueKind == JsonValueKind.Number)
            {
                Assert.Equal(k.GetProperty(name).GetDouble(), c.GetProperty(name).GetDouble(), 1e-9);
            }
        }

        static List<int[]> Matrix(JsonElement m) => [.. m.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray())];
        Assert.Equal(Matrix(k.GetProperty("confusion_matrix")), Matrix(c.GetProperty("confusion")));
        var kitBins = k.GetProperty("reliability").EnumerateArray().Select(b => b.GetProperty("count").GetInt32()).ToList();
        var csharpBins = c.GetProperty("reliability").EnumerateArray().Select(b => b.GetProperty("count").GetInt32()).ToList();
        Assert.Equal(kitBins, csharpBins);
        var kitSubjects = k.GetProperty("per_subject").EnumerateArray().ToList();
        var csharpSubjects = c.GetProperty("per_subject").EnumerateArray().ToList();
        Assert.Equal(kitSubjects.Count, csharpSubjects.Count);
        for (var i = 0; i < kitSubjects.Count; i++)
        {
            Assert.Equal(kitSubjects[i].GetProperty("subject").GetString(), csharpSubjects[i].GetProperty("subject").GetString());
            Assert.Equal(kitSubjects[i].GetProperty("accuracy").GetDouble(), csharpSubjects[i].GetProperty("accuracy").GetDouble(), 1e-9);
            Assert.Equal(kitSubjects[i].GetProperty("mae").GetDouble(), csharpSubjects[i].GetProperty("mae").GetDouble(), 1e-9);
        }
    }

    [Fact]
    public async Task Eval_Model_ScoresWithTheModelsOwnSchemeAndTheDaemonsBatchPath()
    {
        var tiny = new TinyPainModel();
        var model = tiny.Write(_temp.File("own-scheme"));
        var report = _temp.File("own-scheme-report");

        var (code, stdout, stderr) = await DatasetCli.EvalAsync(synth.Folder, "--scorer", "onnx:" + model, "--json", "--report", report, "--models", TestPaths.Models);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("da5", json.RootElement.GetProperty("scheme").GetString());
        Assert.Contains("temperature", json.RootElement.GetProperty("notes").ToString(), StringComparison.Ordinal);

        // Every reported probability vector is the model's own: the hand-written forward pass of the tiny model on the crop.
        var lines = await File.ReadAllLinesAsync(Path.Combine(report, "predictions.csv"), TestContext.Current.CancellationToken);
        Assert.StartsWith("path,subject,pspi,class,predicted_class,predicted_pspi,confidence,p_0,p_1,p_2-3,p_4-6,p_7-16", lines[0], StringComparison.Ordinal);
        foreach (var line in lines.Skip(1).Take(5))
        {
            var cells = line.Split(',');
            using var image = OpenCvSharp.Cv2.ImRead(Path.Combine(synth.Folder, cells[0]));
            Assert.True(image.IsContinuous() && image.Width == 112 && image.Height == 112, cells[0]);
            var crop = new byte[112 * 112 * 3];
            System.Runtime.InteropServices.Marshal.Copy(image.Data, crop, 0, crop.Length);
            var expected = TinyPainModel.Expected(tiny, crop, 1.5, [0, 1, 2.5, 5, 8.5]);
            var p = cells.Skip(7).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            for (var j = 0; j < p.Length; j++)
            {
                Assert.Equal(expected.Probabilities[j], p[j], 1e-5);
            }

            Assert.Equal(expected.Pspi, double.Parse(cells[5], System.Globalization.CultureInfo.InvariantCulture), 1e-4);
            Assert.Equal(Array.IndexOf(p, p.Max()), int.Parse(cells[4], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Eval_ModelWithAnotherScheme_ExitsWithTheUsageCodeNamingBoth()
    {
        var model = new TinyPainModel().Write(_temp.File("scheme-clash"));

        var (code, _, stderr) = await DatasetCli.EvalAsync(synth.Folder, "--scorer", "onnx:" + model, "--scheme", "res7", "--models", TestPaths.Models);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Contains("--scheme res7: the model", stderr, StringComparison.Ordinal);
        Assert.Contains("predicts scheme 'da5'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_TruncatedModel_ExitsWithTheStartupCodeNamingTheFileAndChecksum()
    {
        var model = new TinyPainModel().Write(_temp.File("truncated"));
        var bytes = await File.ReadAllBytesAsync(model, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(model, bytes[..(bytes.Length / 2)], TestContext.Current.CancellationToken);

        var (code, stdout, stderr) = await DatasetCli.EvalAsync(synth.Folder, "--scorer", "onnx:" + model, "--models", TestPaths.Models);

        Assert.Equal(Cli.ExitStartupFailure, code);
        Assert.Contains(model, stderr, StringComparison.Ordinal);
        Assert.Contains("sha256", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Eval_MissingLabelsFile_ExitsWithTheDataCode()
    {
        var folder = _temp.File("empty");
        Directory.CreateDirectory(folder);

        var (code, _, stderr) = await DatasetCli.EvalAsync(folder, "--models", TestPaths.Models);

        Assert.Equal(DatasetCommand.ExitDataError, code);
        Assert.Contains($"{Path.Combine(folder, "labels.csv")}: missing", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("path,subject,score\na.png,s,1\n", "labels.csv line 1: unknown column 'score' in the header")]
    [InlineData("path,subject,score\na.png,s,1\n", "labels.csv line 1: the header has no 'pspi' column")]
    [InlineData("path,subject,pspi\na.png,s,1\na.png,s,-1\n", "labels.csv line 3, column pspi: '-1' is not a number from 0 to 16")]
    [InlineData("path,subject,pspi\na.png,s,1\na.png,s,lots\n", "labels.csv line 3, column pspi: 'lots' is not a number from 0 to 16")]
    [InlineData("path,subject,pspi,class\na.png,s,1,5\n", "labels.csv line 2, column class: 5 is not a class of scheme da5 (0 to 4")]
    [InlineData("path,subject,pspi,class\na.png,s,1,x\n", "labels.csv line 2, column class: 'x' is not a class index")]
    [InlineData("path,subject,pspi\nb.png,s,1\n", "labels.csv line 2, column path: 'b.png' does not exist")]
    [InlineData("path,subject,pspi\na.png,,1\n", "labels.csv line 2, column subject: empty")]
    public async Task Eval_BadDataset_ExitsWithTheDataCodeNamingLineAndColumn(string labels, string message)
    {
        var folder = _temp.File("bad");
        Directory.CreateDirectory(folder);
        DatasetCommandTests.WriteWall(Path.Combine(folder, "a.png"), 112, 112);
        await File.WriteAllTextAsync(Path.Combine(folder, "labels.csv"), labels, TestContext.Current.CancellationToken);

        var (code, stdout, stderr) = await DatasetCli.EvalAsync(folder, "--models", TestPaths.Models);

        Assert.Equal(DatasetCommand.ExitDataError, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    [Theory]
    [InlineData(new[] { "--scorer", "onnx:nope" }, "--scorer onnx:nope: no model 'nope'")]
    [InlineData(new[] { "--scorer", "cnn" }, "unknown scorer 'cnn'")]
    [InlineData(new[] { "--scheme", "da6" }, "unknown scheme 'da6' (gla4, da5, res7)")]
    [InlineData(new[] { "--workers", "0" }, "--workers needs a whole number from 1 to 64")]
    public async Task Eval_BadOption_ExitsWithTheUsageCodeNamingTheOption(string[] options, string message)
    {
        var (code, _, stderr) = await DatasetCli.EvalAsync([synth.Folder, .. options]);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_OnlyFacelessItems_ExitsWithTheDataCodeAndStillWritesTheReport()
    {
        var folder = _temp.File("walls");
        Directory.CreateDirectory(folder);
        DatasetCommandTests.WriteWall(Path.Combine(folder, "a.png"), 112, 112);
        await File.WriteAllTextAsync(Path.Combine(folder, "labels.csv"), "path,subject,pspi\na.png,s,0\n", TestContext.Current.CancellationToken);
        var report = _temp.File("walls-report");

        var (code, _, stderr) = await DatasetCli.EvalAsync(folder, "--report", report, "--models", TestPaths.Models);

        Assert.Equal(DatasetCommand.ExitDataError, code);
        Assert.Contains("no item could be scored", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(report, "report.json"), TestContext.Current.CancellationToken));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("accuracy").ValueKind);
        Assert.Equal(1, json.RootElement.GetProperty("no_face").GetProperty("count").GetInt32());
    }

    /// <summary>The fixture's dataset plus one blank 112 × 112 image (no face), in a folder of this test's own.</summary>
    private string CopyWithBlankItem()
    {
        var folder = _temp.File("dataset");
        foreach (var file in Directory.EnumerateFiles(synth.Folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(synth.Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        DatasetCommandTests.WriteWall(Path.Combine(folder, "blank.png"), 112, 112);
        File.AppendAllText(Path.Combine(folder, "labels.csv"), "blank.png,astronaut,0\n");
        return folder;
    }
}
