// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using PainStream.Hosting;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;
using PainStream.Tools.Datasets;
using PainStream.Tools.Evaluation;
using PainStream.Scoring.Onnx;

namespace PainStream.Tools.Commands;

/// <summary>
/// <c>painstream eval DATASET [--scorer geometric|onnx:MODEL] [--scheme gla4|da5|res7] [--json] [--report DIR] …</c>: scores
/// every item of a labelled dataset folder and reports the seeds' metrics (<see cref="EvaluationMetrics"/>).
/// </summary>
/// <remarks>
/// <para>
/// Each item goes through the daemon's face path: the largest face is found (an image without one is counted and listed
/// under <c>no_face</c>), its 68 landmarks predicted, and the face aligned to the 112-pixel crop; an item that already is a
/// 112 × 112 crop (the output of <c>dataset align</c> / <c>dataset synth</c>) is used as it is, after the same face check.
/// The crops go to an <see cref="ICropScorer"/> in batches: the geometric scorer (scheme from <c>--scheme</c>, default da5) or a
/// learned model through <see cref="OnnxCropScorer"/> (the daemon's batch path; its scheme and class values from its manifest).
/// </para>
/// <para>
/// Exit codes: 0 evaluated (items without a face are reported, not an error); <see cref="Cli.ExitUsage"/> (64) for a bad
/// command line, including a scorer that is not available; <see cref="DatasetCommand.ExitDataError"/> (65) when
/// <c>labels.csv</c> is missing or malformed, a class is not in the scheme, a row's image does not exist (every problem
/// listed with its line and column), or no item could be scored; <see cref="Cli.ExitStartupFailure"/> (3) when a model
/// cannot be loaded; <see cref="Cli.ExitServiceFailed"/> (1) when cancelled.
/// </para>
/// </remarks>
internal static class EvalCommand
{
    /// <summary>The verb's synopsis.</summary>
    public const string Synopsis = """
          eval DATASET [--scorer geometric|onnx:MODEL] [--scheme gla4|da5|res7] [--json] [--report DIR]
               [--detector front|back] [--models DIR] [--workers N]
                                     MODEL: a .onnx file (its manifest beside it) or a name in --models DIR;
                                     --scheme is for the geometric scorer (default da5), a model uses its own classes;
                                     score every item of a labelled dataset folder (labels.csv) and report accuracy,
                                     macro F1, Cohen's kappa (linear, quadratic), macro AUC, ECE (15 bins), PCC, MAE,
                                     confusion matrix, per-subject breakdown and throughput; report.md, report.json and
                                     predictions.csv go to DIR (default ./eval-<dataset>); --json prints the JSON
        """;

    private const string Prefix = "painstream: eval: ";
    private const string OnnxPrefix = "onnx:";
    private const string DefaultScheme = "da5";

    /// <summary>Runs the verb.</summary>
    /// <param name="args">The arguments after <c>eval</c>.</param>
    /// <param name="stdout">Receives the summary or, with <c>--json</c>, the JSON report.</param>
    /// <param name="stderr">Receives errors.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!TryParse(args, out var o, out var error))
        {
            return await UsageAsync(stderr, error);
        }

        if (o.Scheme is not null && !PainClassScheme.TryGet(o.Scheme, out _))
        {
            return await UsageAsync(stderr, $"unknown scheme '{o.Scheme}' ({string.Join(", ", PainClassScheme.Names)})");
        }

        string? modelPath = null;
        if (o.Scorer.StartsWith(OnnxPrefix, StringComparison.Ordinal))
        {
            var model = o.Scorer[OnnxPrefix.Length..];
            modelPath = ResolveModel(model, o.Models);
            if (modelPath is null)
            {
                return await UsageAsync(stderr, $"--scorer {o.Scorer}: no model '{model}': neither the file {Path.GetFullPath(model)} nor {Path.Combine(o.Models, model + ".onnx")} exists");
            }
        }
        else if (o.Scorer != "geometric")
        {
            return await UsageAsync(stderr, $"unknown scorer '{o.Scorer}' (geometric or onnx:MODEL)");
        }

        OnnxCropScorer? learned = null;
        if (modelPath is not null)
        {
            try
            {
#pragma warning disable CA2000 // Load returns the scorer or throws; 'using var ownedModel = learned' below disposes it.
                learned = OnnxCropScorer.Load(modelPath);
#pragma warning restore CA2000
            }
            catch (ModelContractException ex)
            {
                await stderr.WriteLineAsync($"{Prefix}cannot load the model: {ex.Message}");
                return Cli.ExitStartupFailure;
            }
        }

        using var ownedModel = learned;
        if (learned is not null && o.Scheme is not null && o.Scheme != learned.Scheme.Name)
        {
            return await UsageAsync(stderr, $"--scheme {o.Scheme}: the model {modelPath} predicts scheme '{learned.Scheme.Name}' ({learned.Scheme}); leave --scheme out for a model");
        }

        ICropScorer scorer = learned is not null
            ? learned
            : new GeometricCropScorer(PainClassScheme.TryGet(o.Scheme ?? DefaultScheme, out var geometricScheme) ? geometricScheme : PainClassScheme.Da5);
        var scheme = scorer.Scheme;
        var problems = DatasetLabels.Read(o.Dataset, out var rows).ToList();
        if (problems.Count == 0)
        {
            problems.AddRange(DatasetLabels.CheckClasses(rows, scheme));
            foreach (var row in rows)
            {
                if (!File.Exists(Path.Combine(o.Dataset, row.Path)))
                {
                    problems.Add($"{DatasetLabels.FileName} line {row.Line}, column path: '{row.Path}' does not exist in {o.Dataset}");
                }
            }
        }

        if (problems.Count > 0)
        {
            await stderr.WriteLineAsync($"{Prefix}dataset {o.Dataset} is not valid; {problems.Count} problem(s):");
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync("  " + problem);
            }

            return DatasetCommand.ExitDataError;
        }

        var loaded = await DatasetCommand.LoadAsync(o.Models, o.Detector, stderr);
        if (loaded is not { } models)
        {
            return Cli.ExitStartupFailure;
        }

        using var detector = models.Detector;
        try
        {
            var report = await Task.Run(() => Evaluate(o, rows, models.Cropper, scorer, cancellationToken), cancellationToken);
            var folder = o.Report ?? Path.Combine(Directory.GetCurrentDirectory(), "eval-" + Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(o.Dataset))));
            report.WriteFiles(folder);
            if (o.Json)
            {
                await stdout.WriteAsync(report.ToJson());
            }
            else
            {
                var m = report.Metrics;
                await stdout.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"painstream: eval: {report.Items} item(s), {m.Count} scored, {report.NoFace.Count} without a face, {report.NotScored.Count} not scored; scheme {scheme.Name}; accuracy {m.Accuracy:F3}, macro F1 {m.MacroF1:F3}, kappa linear {m.KappaLinear:F3} quadratic {m.KappaQuadratic:F3}, AUC {m.AucMacro:F3}, ECE {m.Ece:F3}, PCC {m.Pcc:F3}, MAE {m.Mae:F3}; {report.ItemsPerSecond:F1} items/s"));
                await stdout.WriteLineAsync($"painstream: eval: report in {folder} ({EvaluationReport.MarkdownFileName}, {EvaluationReport.JsonFileName}, {EvaluationReport.PredictionsFileName})");
            }

            if (m0(report) == 0)
            {
                await stderr.WriteLineAsync($"{Prefix}no item could be scored (see {Path.Combine(folder, EvaluationReport.MarkdownFileName)})");
                return DatasetCommand.ExitDataError;
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync(Prefix + "cancelled; no report written");
            return Cli.ExitServiceFailed;
        }

        static int m0(EvaluationReport r) => r.Metrics.Count;
    }

    /// <summary>Runs the face path over every row, sets the neutral baselines, scores and computes the metrics.</summary>
    internal static EvaluationReport Evaluate(EvalOptions o, IReadOnlyList<LabelRow> rows, FaceCropper cropper, ICropScorer scorer, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var scheme = scorer.Scheme;
        var crops = new FaceCrop?[rows.Count];
        var reasons = new string?[rows.Count];
        Parallel.For(
            0,
            rows.Count,
            new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancellationToken },
            () => (Aligner: cropper.CreateAligner(), Landmarks: new PointF[68]),
            (i, _, w) =>
            {
                var row = rows[i];
                if (!ImageFiles.TryRead(Path.Combine(o.Dataset, row.Path), out var image, out var error))
                {
                    reasons[i] = error;
                    return w;
                }

                var cropLandmarks = new PointF[68];
                if (image!.Width == cropper.CropSize && image.Height == cropper.CropSize)
                {
                    if (cropper.TryLandmarkCrop(image.View, cropLandmarks) is null)
                    {
                        reasons[i] = FaceCropper.NoFaceReason;
                    }
                    else
                    {
                        crops[i] = new FaceCrop(image.Pixels, cropper.CropSize, cropLandmarks, row.Subject);
                    }

                    return w;
                }

                var pixels = new byte[cropper.CropBytes];
                if (cropper.TryCrop(image.View, w.Aligner, pixels, w.Landmarks, cropLandmarks) is null)
                {
                    reasons[i] = FaceCropper.NoFaceReason;
                }
                else
                {
                    crops[i] = new FaceCrop(pixels, cropper.CropSize, cropLandmarks, row.Subject);
                }

                return w;
            },
            _ => { });

        var notes = new List<string>
        {
            "Class of a PSPI value: the scheme range holding floor(pspi + 0.5); a class column overrides it.",
            "Macro F1 averages over the classes present in the labels or the predictions (scikit-learn's default); Cohen's kappa uses all classes of the scheme, weights by class-index distance (cohen_kappa_score(labels=range(K))); macro AUC is one-vs-rest over the classes present in the labels, ties counted 1/2.",
            "ECE: 15 equal-width bins (b/15, (b+1)/15] over the predicted class's probability.",
            "Probabilities: " + scorer.ProbabilityNote,
        };
        var notScoredReasons = new string?[rows.Count];
        if (scorer is INeutralBaselineScorer baselines)
        {
            notes.Add("Baseline: " + baselines.BaselineNote);
            foreach (var subject in rows.Select((r, i) => (r, i)).Where(x => crops[x.i] is not null).GroupBy(x => x.r.Subject, StringComparer.Ordinal))
            {
                var lowest = subject.Min(x => x.r.Pspi);
                var neutral = subject.Where(x => x.r.Pspi == lowest).Select(x => crops[x.i]!).ToList();
                if (lowest > 0)
                {
                    notes.Add(string.Create(CultureInfo.InvariantCulture, $"Subject {subject.Key}: no item labelled PSPI 0; its baseline comes from its {neutral.Count} item(s) at PSPI {lowest}, so its scores read low."));
                }

                if (baselines.SetNeutral(subject.Key, neutral) is { } problem)
                {
                    foreach (var x in subject)
                    {
                        notScoredReasons[x.i] = "no neutral baseline: " + problem;
                    }
                }
            }
        }

        var scored = new List<ScoredItem>();
        var notScored = new List<UnscoredItem>();
        var batch = new List<FaceCrop>(scorer.MaxBatchSize);
        var batchRows = new List<int>(scorer.MaxBatchSize);
        void Flush()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var scores = scorer.Score(batch);
            for (var b = 0; b < batch.Count; b++)
            {
                var row = rows[batchRows[b]];
                var score = scores[b];
                if (!score.IsScored)
                {
                    notScored.Add(new UnscoredItem(row.Line, row.Path, row.Subject, score.CannotScoreReason!));
                    continue;
                }

                var trueClass = row.Class ?? scheme.ClassOf(row.Pspi);
                scored.Add(new ScoredItem(row.Path, row.Subject, row.Pspi, trueClass, score.PredictedClass, score.Pspi, score.Probabilities));
            }

            batch.Clear();
            batchRows.Clear();
        }

        for (var i = 0; i < rows.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (crops[i] is not { } crop)
            {
                continue;
            }

            if (notScoredReasons[i] is { } reason)
            {
                notScored.Add(new UnscoredItem(rows[i].Line, rows[i].Path, rows[i].Subject, reason));
                continue;
            }

            batch.Add(crop);
            batchRows.Add(i);
            if (batch.Count == scorer.MaxBatchSize)
            {
                Flush();
            }
        }

        Flush();
        var noFace = rows.Select((r, i) => (r, i)).Where(x => reasons[x.i] is not null).Select(x => new UnscoredItem(x.r.Line, x.r.Path, x.r.Subject, reasons[x.i]!)).ToList();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        notScored.Sort((a, b) => a.Line.CompareTo(b.Line));
        return new EvaluationReport(
            Path.GetFullPath(o.Dataset),
            scorer.Description,
            scheme,
            rows.Count,
            EvaluationMetrics.Compute(scored, scheme),
            scored,
            noFace,
            notScored,
            seconds,
            o.Workers,
            notes);
    }

    /// <summary>Finds the model of <c>--scorer onnx:MODEL</c>: MODEL as a file path, else <c>MODELS/MODEL.onnx</c>.</summary>
    private static string? ResolveModel(string model, string modelsFolder)
    {
        if (model.Length == 0)
        {
            return null;
        }

        if (File.Exists(model))
        {
            return Path.GetFullPath(model);
        }

        var named = Path.Combine(modelsFolder, model + ".onnx");
        return File.Exists(named) ? named : null;
    }

    private static async Task<int> UsageAsync(TextWriter stderr, string error)
    {
        await stderr.WriteLineAsync(Prefix + error);
        await stderr.WriteLineAsync("Usage: painstream" + Environment.NewLine + Synopsis);
        return Cli.ExitUsage;
    }

    private static bool TryParse(string[] args, out EvalOptions options, out string error)
    {
        options = new EvalOptions();
        error = string.Empty;
        string? dataset = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--json")
            {
                options = options with { Json = true };
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (dataset is not null)
                {
                    error = $"unexpected argument '{arg}' (one DATASET folder)";
                    return false;
                }

                dataset = arg;
                continue;
            }

            if (!Cli.TryOptionValue(args, ref i, out var name, out var value, out error))
            {
                return false;
            }

            switch (name)
            {
                case "--scorer":
                    options = options with { Scorer = value };
                    break;
                case "--scheme":
                    options = options with { Scheme = value };
                    break;
                case "--report":
                    options = options with { Report = value };
                    break;
                case "--models":
                    options = options with { Models = Path.GetFullPath(value) };
                    break;
                case "--detector" when value is "front" or "back":
                    options = options with { Detector = value == "front" ? DetectorKind.BlazeFaceFront : DetectorKind.BlazeFaceBack };
                    break;
                case "--detector":
                    error = $"unknown detector '{value}' (front or back)";
                    return false;
                case "--workers" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var workers) && workers is >= 1 and <= 64:
                    options = options with { Workers = workers };
                    break;
                case "--workers":
                    error = $"--workers needs a whole number from 1 to 64, got '{value}'";
                    return false;
                default:
                    error = $"unknown option '{name}'";
                    return false;
            }
        }

        if (dataset is null)
        {
            error = "give the DATASET folder";
            return false;
        }

        options = options with { Dataset = dataset };
        return true;
    }
}

/// <summary>The options of <c>painstream eval</c>.</summary>
internal sealed record EvalOptions
{
    public string Dataset { get; init; } = string.Empty;

    public string Scorer { get; init; } = "geometric";

    /// <summary>Gets the class scheme; <see langword="null"/>: da5 for the geometric scorer, the model's own for a model.</summary>
    public string? Scheme { get; init; }

    public bool Json { get; init; }

    public string? Report { get; init; }

    public string Models { get; init; } = Path.Combine(PainStreamConfiguration.ResolveHome(), "models");

    public DetectorKind Detector { get; init; } = DetectorKind.BlazeFaceBack;

    public int Workers { get; init; } = Environment.ProcessorCount;
}
