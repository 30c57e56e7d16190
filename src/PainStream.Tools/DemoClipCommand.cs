// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Hosting;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;
using PainStream.Inference.Onnx;
using PainStream.Tools.Synthesis;

namespace PainStream.Tools;

/// <summary>
/// <c>painstream demo-clip --face IMAGE --out FILE [--fps N] [--neutral-seconds S] [--trailing-seconds S] [--grimace-seconds S]
/// [--ramp-seconds S] [--models DIR]</c>: makes a pain demo clip from a face image (see <see cref="DemoClipBuilder"/>).
/// </summary>
/// <remarks>
/// Exit codes, in line with the other verbs: 0 written; <see cref="Cli.ExitUsage"/> (64) for anything wrong with what was
/// passed — a bad or missing option, an image that does not exist or cannot be decoded, an image without a face;
/// <see cref="Cli.ExitStartupFailure"/> (3) when the installation is at fault — a model missing or corrupt, ffmpeg not
/// found; <see cref="Cli.ExitServiceFailed"/> (1) when ffmpeg fails while encoding, or the run is cancelled.
/// </remarks>
internal static class DemoClipCommand
{
    /// <summary>The verb's synopsis, as the help text shows it.</summary>
    public const string Synopsis = "demo-clip --face IMAGE --out FILE [--fps N] [--neutral-seconds S] [--trailing-seconds S] [--grimace-seconds S] [--ramp-seconds S] [--models DIR] [--scene ward --other-face IMAGE (x3) [--seed N]]";

    private const string Prefix = "painstream: demo-clip: ";

    /// <summary>Runs the verb.</summary>
    /// <param name="args">The arguments after <c>demo-clip</c>.</param>
    /// <param name="stdout">Receives the summary line.</param>
    /// <param name="stderr">Receives errors.</param>
    /// <param name="cancellationToken">Cancels the run (SIGINT/SIGTERM).</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!TryParse(args, out var face, out var output, out var models, out var options, out var ward, out var error))
        {
            await stderr.WriteLineAsync(Prefix + error);
            await stderr.WriteLineAsync("Usage: painstream " + Synopsis);
            return Cli.ExitUsage;
        }

        // Checked before the models load (a second or two), so a typo in the path fails at once.
        foreach (var image in ward is null ? [face] : (string[])[face, .. ward.OtherFaces])
        {
            if (!File.Exists(image))
            {
                await stderr.WriteLineAsync($"{Prefix}the face image '{Path.GetFullPath(image)}' does not exist");
                return Cli.ExitUsage;
            }
        }

        var modelsDirectory = Path.GetFullPath(models ?? Path.Combine(PainStreamConfiguration.ResolveHome(), "models"));
        BlazeFaceDetector? detector = null;
        try
        {
            ShapePredictor predictor;
            try
            {
                var detection = new DetectionOptions { Detector = DetectorKind.BlazeFaceBack, ExecutionProvider = ExecutionProviderKind.Cpu };
                detector = new BlazeFaceDetector(BlazeFaceModel.Back, modelsDirectory, detection, NullLogger.Instance);

                // About a second to verify and parse 100 MB: off the caller's thread.
                predictor = await Task.Run(() => new ShapePredictor(ShapePredictorModel.LoadFace68(modelsDirectory)), cancellationToken);
            }
            catch (ModelFileException ex)
            {
                await stderr.WriteLineAsync(Prefix + "cannot load a model: " + ex.Message);
                return Cli.ExitStartupFailure;
            }

            if (ward is not null)
            {
                var (clip, scene, _) = await new DemoClipBuilder(detector, predictor).BuildWardAsync([face, .. ward.OtherFaces], output, options, ward.Options, cancellationToken);
                var beds = string.Join("; ", scene.Patients.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Bed.Name} {Describe(p.Face)}, {Distance(p.Landmarks[36], p.Landmarks[45]):F0} px between the eyes")));
                await stdout.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"painstream: wrote {clip.OutputPath}: {clip.FrameCount} frames, {clip.Width}x{clip.Height} at {clip.Fps} fps ({clip.FrameCount / (double)clip.Fps:F1} s), {scene.Patients[0].Bed.Name} grimaces; {beds}; {clip.RenderedFrames} frames drawn, {clip.Elapsed.TotalSeconds:F1} s"));
                return 0;
            }

            var result = await new DemoClipBuilder(detector, predictor).BuildAsync(face, output, options, cancellationToken);
            await stdout.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"painstream: wrote {result.OutputPath}: {result.FrameCount} frames, {result.Width}x{result.Height} at {result.Fps} fps ({result.FrameCount / (double)result.Fps:F1} s), face {Describe(result.Face)} in the frame; {result.RenderedFrames} frames warped, {result.Elapsed.TotalSeconds:F1} s"));
            return 0;
        }
        catch (DemoClipException ex)
        {
            await stderr.WriteLineAsync(Prefix + ex.Message);
            return ex.Error switch
            {
                DemoClipError.ImageNotFound or DemoClipError.ImageUnreadable or DemoClipError.NoFace => Cli.ExitUsage,
                DemoClipError.EncoderUnavailable => Cli.ExitStartupFailure,
                _ => Cli.ExitServiceFailed,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync(Prefix + "cancelled; no clip written");
            return Cli.ExitServiceFailed;
        }
        finally
        {
            detector?.Dispose();
        }
    }

    /// <summary>Parses the options; <c>--name value</c> and <c>--name=value</c> both work, the last occurrence wins.</summary>
    internal static bool TryParse(string[] args, out string face, out string output, out string? models, out DemoClipOptions options, out string error) =>
        TryParse(args, out face, out output, out models, out options, out _, out error);

    /// <summary>Parses the options, the ward scene's included (<paramref name="ward"/> is <see langword="null"/> for the single-face clip).</summary>
    internal static bool TryParse(string[] args, out string face, out string output, out string? models, out DemoClipOptions options, out WardRequest? ward, out string error)
    {
        face = output = error = string.Empty;
        models = null;
        ward = null;
        options = new DemoClipOptions();
        var scene = "single";
        var others = new List<string>();
        int? seed = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unexpected argument '{arg}'";
                return false;
            }

            if (!Cli.TryOptionValue(args, ref i, out var name, out var value, out error))
            {
                return false;
            }

            switch (name)
            {
                case "--face":
                    face = value;
                    break;
                case "--out":
                    output = value;
                    break;
                case "--models":
                    models = value;
                    break;
                case "--fps" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var fps):
                    options = options with { Fps = fps };
                    break;
                case "--neutral-seconds" when TrySeconds(value, out var seconds):
                    options = options with { NeutralSeconds = seconds };
                    break;
                case "--trailing-seconds" when TrySeconds(value, out var seconds):
                    options = options with { TrailingNeutralSeconds = seconds };
                    break;
                case "--grimace-seconds" when TrySeconds(value, out var seconds):
                    options = options with { GrimaceSeconds = seconds };
                    break;
                case "--ramp-seconds" when TrySeconds(value, out var seconds):
                    options = options with { RampSeconds = seconds };
                    break;
                case "--scene" when value is "single" or "ward":
                    scene = value;
                    break;
                case "--scene":
                    error = $"--scene must be 'single' or 'ward', got '{value}'";
                    return false;
                case "--other-face":
                    others.Add(value);
                    break;
                case "--seed" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s):
                    seed = s;
                    break;
                case "--fps" or "--neutral-seconds" or "--trailing-seconds" or "--grimace-seconds" or "--ramp-seconds" or "--seed":
                    error = $"{name} needs a number, got '{value}'";
                    return false;
                default:
                    error = $"unknown option '{name}'";
                    return false;
            }
        }

        if (face.Length == 0 || output.Length == 0)
        {
            error = face.Length == 0 ? "--face IMAGE is required" : "--out FILE is required";
            return false;
        }

        var problems = options.Validate();
        if (problems.Count > 0)
        {
            error = string.Join("; ", problems);
            return false;
        }

        if (scene == "single")
        {
            if (others.Count > 0 || seed is not null)
            {
                error = "--other-face and --seed belong to --scene ward";
                return false;
            }

            return true;
        }

        var wardOptions = new WardSceneOptions();
        if (seed is { } given)
        {
            wardOptions = wardOptions with { Seed = given };
        }

        if (others.Count != wardOptions.Beds.Count - 1)
        {
            error = $"--scene ward needs --other-face IMAGE {wardOptions.Beds.Count - 1} times (one neutral patient per other bed), got {others.Count}";
            return false;
        }

        ward = new WardRequest([.. others], wardOptions);
        return true;
    }

    private static double Distance(Core.Detection.PointF a, Core.Detection.PointF b) =>
        Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    /// <summary>The ward scene asked for: the neutral patients' images (beds 2 onwards) and the layout.</summary>
    /// <param name="OtherFaces">The other beds' face images, in bed order.</param>
    /// <param name="Options">The ward's layout and seed.</param>
    internal sealed record WardRequest(string[] OtherFaces, WardSceneOptions Options);

    private static bool TrySeconds(string value, out double seconds) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds);

    private static string Describe(Core.Detection.BoxF box) =>
        string.Create(CultureInfo.InvariantCulture, $"{box.Width:F0}x{box.Height:F0} px at ({box.X:F0}, {box.Y:F0})");
}
