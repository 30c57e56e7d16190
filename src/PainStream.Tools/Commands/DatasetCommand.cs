// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Hosting;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;
using PainStream.Tools.Datasets;
using PainStream.Tools.Evaluation;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;
using PainStream.Inference.Onnx;
using PainStream.Core.Alerting;

namespace PainStream.Tools.Commands;

/// <summary>
/// <c>painstream dataset align SRC --out DST …</c> and <c>painstream dataset synth --face IMG… --out DST …</c>: make dataset
/// folders of 112-pixel aligned face crops (docs/model-contract.md) with the daemon's own face path.
/// </summary>
/// <remarks>
/// Exit codes: 0 done; <see cref="Cli.ExitUsage"/> (64) for a bad command line, an output folder that is not empty, or a
/// <c>--face</c> image that is missing, unreadable or has no face; <see cref="ExitDataError"/> (65) when SRC's
/// <c>labels.csv</c> is missing or malformed (every problem listed with its line and column), or when <c>align</c> skipped
/// any row (an image missing, unreadable or without a face: listed in <c>DST/skipped.csv</c>);
/// <see cref="Cli.ExitStartupFailure"/> (3) when a model cannot be loaded; <see cref="Cli.ExitServiceFailed"/> (1) when cancelled.
/// </remarks>
internal static class DatasetCommand
{
    /// <summary>Exit code for bad dataset contents (sysexits EX_DATAERR).</summary>
    public const int ExitDataError = 65;

    /// <summary>The file listing the rows <c>align</c> could not crop.</summary>
    public const string SkippedFileName = "skipped.csv";

    /// <summary>The verbs' synopsis.</summary>
    public const string Synopsis = """
          dataset align SRC --out DST [--detector front|back] [--models DIR] [--workers N]
                                     detect, landmark and align every image of dataset SRC (labels.csv) to the 112-px crop:
                                     DST/<path>.png and DST/labels.csv; images missing, unreadable or without a face are
                                     listed in DST/skipped.csv (exit 65 if any)
          dataset synth --face IMAGE|CLIP [--face ...] --out DST [--per-face N] [--seed S] [--frames-per-clip N]
                        [--detector front|back] [--models DIR] [--workers N]
                                     synthetic pain dataset: random grimaces (brow, eyes, lip) warped onto each face,
                                     augmented and aligned; PSPI labels from the warp geometry (synthetic, not clinical);
                                     N items per source face (default 200), seed default 42; a clip gives up to
                                     --frames-per-clip source faces (default 3), subject <clip>-f<frame> each
        """;

    private const string Prefix = "painstream: dataset: ";

    /// <summary>Runs <c>dataset align</c> or <c>dataset synth</c>.</summary>
    /// <param name="args">The arguments after <c>dataset</c>.</param>
    /// <param name="stdout">Receives the summary.</param>
    /// <param name="stderr">Receives errors.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is not ("align" or "synth"))
        {
            return await UsageAsync(stderr, args.Length == 0 ? "give a sub-verb: align or synth" : $"unknown sub-verb '{args[0]}' (align or synth)");
        }

        var sub = args[0];
        if (!TryParse(args[1..], sub, out var o, out var error))
        {
            return await UsageAsync(stderr, $"{sub}: {error}");
        }

        if (Directory.Exists(o.Output) && Directory.EnumerateFileSystemEntries(o.Output).Any())
        {
            return await UsageAsync(stderr, $"{sub}: the output folder '{o.Output}' exists and is not empty (give a new or empty folder)");
        }

        try
        {
            return sub == "align"
                ? await AlignAsync(o, stdout, stderr, cancellationToken)
                : await SynthAsync(o, stdout, stderr, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"{Prefix}{sub}: cancelled; the output folder is incomplete");
            return Cli.ExitServiceFailed;
        }
    }

    /// <summary>Loads the detector and the landmark model for a dataset verb.</summary>
    /// <param name="models">The models directory.</param>
    /// <param name="kind">BlazeFace front or back.</param>
    /// <param name="stderr">Receives a load error.</param>
    /// <returns>The detector (dispose it) and the face path, or <see langword="null"/> when a model cannot be loaded.</returns>
    internal static async Task<(BlazeFaceDetector Detector, FaceCropper Cropper)?> LoadAsync(string models, DetectorKind kind, TextWriter stderr)
    {
        BlazeFaceDetector? detector = null;
        try
        {
            var detection = new DetectionOptions { Detector = kind, ExecutionProvider = ExecutionProviderKind.Cpu, IntraOpThreads = 1 };
            detector = new BlazeFaceDetector(kind == DetectorKind.BlazeFaceFront ? BlazeFaceModel.Front : BlazeFaceModel.Back, models, detection, NullLogger.Instance);

            // About a second to verify and parse 100 MB: off the caller's thread.
            var predictor = await Task.Run(() => new ShapePredictor(ShapePredictorModel.LoadFace68(models)));
            var result = (detector, new FaceCropper(detector, predictor, (float)detection.MinScore));
            detector = null;
            return result;
        }
        catch (ModelFileException ex)
        {
            await stderr.WriteLineAsync("painstream: cannot load a model: " + ex.Message);
            return null;
        }
        finally
        {
            detector?.Dispose();
        }
    }

    private static async Task<int> AlignAsync(Options o, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var problems = DatasetLabels.Read(o.Source!, out var rows);
        if (problems.Count > 0)
        {
            await WriteProblemsAsync(stderr, $"align: dataset {o.Source} is not valid", problems);
            return ExitDataError;
        }

        var loaded = await LoadAsync(o.Models, o.Detector, stderr);
        if (loaded is not { } models)
        {
            return Cli.ExitStartupFailure;
        }

        using var detector = models.Detector;
        var cropper = models.Cropper;
        var stopwatch = Stopwatch.StartNew();
        Directory.CreateDirectory(o.Output);
        var outputs = new string?[rows.Count];
        var reasons = new string?[rows.Count];
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var path = Path.ChangeExtension(rows[i].Path, ".png");
            if (firstLine.TryGetValue(path, out var line))
            {
                reasons[i] = $"its crop {path} would overwrite the crop of line {line}";
            }
            else
            {
                firstLine[path] = rows[i].Line;
                outputs[i] = path;
            }
        }

        await Task.Run(
            () => Parallel.For(
                0,
                rows.Count,
                new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancellationToken },
                () => (Aligner: cropper.CreateAligner(), Crop: new byte[cropper.CropBytes], Landmarks: new PointF[68]),
                (i, _, w) =>
                {
                    if (reasons[i] is not null)
                    {
                        return w;
                    }

                    if (!ImageFiles.TryRead(Path.Combine(o.Source!, rows[i].Path), out var image, out var error))
                    {
                        reasons[i] = error;
                    }
                    else if (cropper.TryCrop(image!.View, w.Aligner, w.Crop, w.Landmarks) is null)
                    {
                        reasons[i] = FaceCropper.NoFaceReason;
                    }
                    else
                    {
                        ImageFiles.WritePng(Path.Combine(o.Output, outputs[i]!), w.Crop, cropper.CropSize, cropper.CropSize);
                    }

                    return w;
                },
                _ => { }),
            cancellationToken);

        var kept = new List<LabelRow>();
        var skipped = new StringBuilder("line,path,subject,reason\n");
        var skippedCount = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (reasons[i] is { } reason)
            {
                skippedCount++;
                skipped.Append(row.Line.ToString(CultureInfo.InvariantCulture)).Append(',').Append(DatasetLabels.Quote(row.Path)).Append(',')
                    .Append(DatasetLabels.Quote(row.Subject)).Append(',').Append(DatasetLabels.Quote(reason)).Append('\n');
            }
            else
            {
                kept.Add(row with { Path = outputs[i]! });
            }
        }

        DatasetLabels.Write(Path.Combine(o.Output, DatasetLabels.FileName), kept);
        await File.WriteAllTextAsync(Path.Combine(o.Output, SkippedFileName), skipped.ToString(), cancellationToken);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        await stdout.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"painstream: dataset align: {rows.Count} row(s): {kept.Count} cropped to {o.Output}, {skippedCount} skipped{(skippedCount > 0 ? $" (listed in {Path.Combine(o.Output, SkippedFileName)})" : string.Empty)}; {seconds:F1} s, {rows.Count / Math.Max(seconds, 1e-9):F1} items/s on {o.Workers} worker(s)"));
        for (var i = 0; i < rows.Count; i++)
        {
            if (reasons[i] is { } reason)
            {
                await stderr.WriteLineAsync($"{Prefix}align: labels.csv line {rows[i].Line} ({rows[i].Path}): {reason}");
            }
        }

        return skippedCount > 0 ? ExitDataError : 0;
    }

    private static async Task<int> SynthAsync(Options o, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        foreach (var face in o.Faces)
        {
            if (!File.Exists(face))
            {
                return await UsageAsync(stderr, $"synth: the face image '{Path.GetFullPath(face)}' does not exist");
            }
        }

        var loaded = await LoadAsync(o.Models, o.Detector, stderr);
        if (loaded is not { } models)
        {
            return Cli.ExitStartupFailure;
        }

        using var detector = models.Detector;
        var synthesizer = new GrimaceSynthesizer(models.Cropper);
        var faces = new List<SynthFace>();
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in o.Faces)
        {
            var subject = UniqueSubject(Path.GetFileNameWithoutExtension(file), subjects);
            if (ImageFiles.IsVideo(file))
            {
                // Each sampled frame is a source face of its own, so its own subject: the frames of a clip are often
                // different shots or people (Megamind.avi: three characters), with different neutral geometry, and a
                // per-subject baseline must come from one face. Frames of one person in one clip would share identity
                // across a subject-wise split: use --frames-per-clip 1 where that matters.
                var frames = ImageFiles.SampleFrames(file, o.FramesPerClip * 4, out var videoError);
                if (videoError is not null)
                {
                    return await UsageAsync(stderr, $"synth: the face clip '{file}': {videoError}");
                }

                var found = 0;
                foreach (var (frame, image) in frames)
                {
                    var name = string.Create(CultureInfo.InvariantCulture, $"{subject}-f{frame:D5}");
                    if (found < o.FramesPerClip && synthesizer.Prepare(name, name, image.View) is { } clipFace)
                    {
                        faces.Add(clipFace);
                        found++;
                    }
                }

                if (found == 0)
                {
                    return await UsageAsync(stderr, $"synth: no face found in {frames.Count} frame(s) sampled from '{file}'");
                }

                continue;
            }

            if (!ImageFiles.TryRead(file, out var still, out var error))
            {
                return await UsageAsync(stderr, $"synth: the face image '{file}': {error}");
            }

            var face = synthesizer.Prepare(subject, subject, still!.View);
            if (face is null)
            {
                return await UsageAsync(stderr, $"synth: no face found in '{file}' (try --detector back for small faces)");
            }

            faces.Add(face);
        }

        var result = await Task.Run(() => synthesizer.Run(faces, o.PerFace, o.Seed, o.Output, o.Workers, cancellationToken), cancellationToken);
        var seconds = result.Elapsed.TotalSeconds;
        var histogram = new int[ScoreScales.MaxPspi + 1];
        foreach (var item in result.Items)
        {
            histogram[item.Pspi]++;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"painstream: dataset synth: wrote {result.Items.Count} crops of {faces.Count} source face(s) ({string.Join(", ", faces.Select(f => f.Name))}) to {o.Output}; {seconds:F1} s, {result.Items.Count / Math.Max(seconds, 1e-9):F1} items/s on {o.Workers} worker(s)");
        text.AppendLine("  PSPI label histogram (synthetic labels: the geometric proxy of the warp, not clinical): " + string.Join(' ', histogram.Select((n, p) => string.Create(CultureInfo.InvariantCulture, $"{p}:{n}"))));
        if (result.Failed.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {result.Failed.Count} item(s) not written: the face was not found again after {GrimaceSynthesizer.MaxAttempts} augmentations: {string.Join(", ", result.Failed)}");
        }

        await stdout.WriteAsync(text.ToString());
        return 0;
    }

    private static string UniqueSubject(string stem, HashSet<string> taken)
    {
        var clean = new string([.. stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        clean = clean.Length == 0 ? "face" : clean;
        var subject = clean;
        for (var n = 2; !taken.Add(subject); n++)
        {
            subject = string.Create(CultureInfo.InvariantCulture, $"{clean}-{n}");
        }

        return subject;
    }

    private static async Task WriteProblemsAsync(TextWriter stderr, string title, IReadOnlyList<string> problems)
    {
        await stderr.WriteLineAsync($"{Prefix}{title}; {problems.Count} problem(s):");
        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync("  " + problem);
        }
    }

    private static async Task<int> UsageAsync(TextWriter stderr, string error)
    {
        await stderr.WriteLineAsync(Prefix + error);
        await stderr.WriteLineAsync("Usage: painstream" + Environment.NewLine + Synopsis);
        return Cli.ExitUsage;
    }

    private static bool TryParse(string[] args, string sub, out Options options, out string error)
    {
        options = new Options();
        error = string.Empty;
        var faces = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (sub == "align" && options.Source is null)
                {
                    options = options with { Source = arg };
                    continue;
                }

                error = $"unexpected argument '{arg}'";
                return false;
            }

            if (!Cli.TryOptionValue(args, ref i, out var name, out var value, out error))
            {
                return false;
            }

            switch (name)
            {
                case "--out":
                    options = options with { Output = value };
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
                case "--face" when sub == "synth":
                    faces.Add(value);
                    break;
                case "--per-face" when sub == "synth" && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var perFace) && perFace is >= 1 and <= 100_000:
                    options = options with { PerFace = perFace };
                    break;
                case "--seed" when sub == "synth" && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed):
                    options = options with { Seed = seed };
                    break;
                case "--frames-per-clip" when sub == "synth" && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var frames) && frames is >= 1 and <= 100:
                    options = options with { FramesPerClip = frames };
                    break;
                case "--workers" or "--per-face" or "--seed" or "--frames-per-clip" when sub == "synth" || name == "--workers":
                    error = $"{name} needs a whole number{(name == "--seed" ? string.Empty : name == "--workers" ? " from 1 to 64" : name == "--frames-per-clip" ? " from 1 to 100" : " from 1 to 100000")}, got '{value}'";
                    return false;
                default:
                    error = $"unknown option '{name}'";
                    return false;
            }
        }

        options = options with { Faces = faces };
        if (sub == "align" && options.Source is null)
        {
            error = "give the source dataset folder";
            return false;
        }

        if (sub == "synth" && faces.Count == 0)
        {
            error = "give at least one --face IMAGE";
            return false;
        }

        if (options.Output.Length == 0)
        {
            error = "--out DST is required";
            return false;
        }

        return true;
    }

    private sealed record Options
    {
        public string? Source { get; init; }

        public string Output { get; init; } = string.Empty;

        public IReadOnlyList<string> Faces { get; init; } = [];

        public string Models { get; init; } = Path.Combine(PainStreamConfiguration.ResolveHome(), "models");

        public DetectorKind Detector { get; init; } = DetectorKind.BlazeFaceBack;

        public int Workers { get; init; } = Environment.ProcessorCount;

        public int PerFace { get; init; } = 200;

        public int Seed { get; init; } = 42;

        public int FramesPerClip { get; init; } = 3;
    }
}
