// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Scoring;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Daemon.Commands;

/// <summary>
/// <c>painstream score IMAGE… [--baseline IMAGE] [--json] [--detector front|back|haar] [--config FILE]</c>: runs the
/// daemon's face analysis and geometric scorer on still images, so an integrator can check a camera placement and the
/// scorer can be tested on real faces. The JSON output is a stable contract (README "score output").
/// </summary>
internal static class ScoreCommand
{
    /// <summary>Exit code when an image cannot be read or decoded (sysexits EX_DATAERR).</summary>
    public const int ExitBadImage = 65;

    public const string Usage = "score IMAGE... [--baseline IMAGE] [--json] [--detector front|back|haar] [--config FILE]";

    public static async Task<int> RunAsync(string[] args, Func<string, int> fail)
    {
        var images = new List<string>();
        string? baselineImage = null, configFile = null, detectorName = null;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = true;
                    break;
                case "--baseline" when i + 1 < args.Length:
                    baselineImage = args[++i];
                    break;
                case "--config" when i + 1 < args.Length:
                    configFile = args[++i];
                    break;
                case "--detector" when i + 1 < args.Length:
                    detectorName = args[++i];
                    break;
                default:
                    if (args[i].StartsWith('-'))
                    {
                        return fail($"score: unexpected option '{args[i]}'");
                    }

                    images.Add(args[i]);
                    break;
            }
        }

        if (images.Count == 0)
        {
            return fail("score: give at least one image");
        }

        var home = Configuration.PainStreamConfiguration.ResolveHome();
        var file = Configuration.PainStreamConfiguration.ResolveFile(configFile, home);
        if (Cli.LoadAndCheck(file, home, out _, out var settings).Count > 0)
        {
            return Cli.ExitBadConfig;
        }

        var detection = settings!.Detection;
        if (detectorName is not null)
        {
            DetectorKind? kind = detectorName switch
            {
                "front" => DetectorKind.BlazeFaceFront,
                "back" => DetectorKind.BlazeFaceBack,
                "haar" => DetectorKind.Haar,
                _ => null,
            };
            if (kind is null)
            {
                return fail($"score: unknown detector '{detectorName}' (front, back or haar)");
            }

            detection = Clone(detection, kind.Value);
        }

        ShapePredictor predictor;
        try
        {
            predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(Path.Combine(home, detection.ModelsDirectory)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await Console.Error.WriteLineAsync("painstream: cannot load the landmark model: " + ex.Message);
            return Cli.ExitStartupFailure;
        }

        using var detector = await CreateDetectorAsync(detection, home);
        if (detector is null)
        {
            return Cli.ExitStartupFailure;
        }

        {
            var quality = settings.FaceQuality;
            var analyzer = new LandmarkFaceAnalyzer(predictor, FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize), () => quality);
            var scorer = CreateScorer(quality);
            NeutralBaseline? baseline = null;
            var failed = false;
            if (baselineImage is not null)
            {
                var reference = Analyze(baselineImage, detector, analyzer);
                if (reference.Error is not null || reference.Faces.Count == 0)
                {
                    await Console.Error.WriteLineAsync($"painstream: baseline image {baselineImage}: {reference.Error ?? "no face found"}");
                    return ExitBadImage;
                }

                baseline = TryBaseline(Largest(reference.Faces), scorer, out var problem);
                if (baseline is null)
                {
                    await Console.Error.WriteLineAsync($"painstream: baseline image {baselineImage}: the face cannot serve as a neutral baseline: {problem}");
                    return ExitBadImage;
                }
            }

            var results = new List<ImageResult>(images.Count);
            foreach (var image in images)
            {
                var result = Analyze(image, detector, analyzer);
                failed |= result.Error is not null;
                results.Add(result);
            }

            var output = json ? ToJson(results, scorer, baseline) : ToText(results, scorer, baseline);
            await Console.Out.WriteAsync(output);
            return failed ? ExitBadImage : 0;
        }
    }

    /// <summary>The geometric scorer with the pose and size limits of the <c>FaceQuality</c> section, as the daemon uses it.</summary>
    /// <param name="quality">The <c>FaceQuality</c> settings.</param>
    /// <returns>The scorer.</returns>
    internal static GeometricPspiScorer CreateScorer(FaceQualityOptions quality) => new(new GeometricPspiOptions().WithLimitsOf(quality));

    /// <summary>
    /// Takes a face as the neutral baseline only if it passes the same checks as a face to score (the quality gate, then the
    /// scorer's own pose and size limits): a baseline from a face turned away, too small, dark or blurred would make every
    /// score against it wrong.
    /// </summary>
    /// <param name="face">The baseline image's face.</param>
    /// <param name="scorer">The scorer the images are scored with.</param>
    /// <param name="problem">Why the face cannot serve, or <see langword="null"/>.</param>
    /// <returns>The baseline, or <see langword="null"/> when the face cannot serve.</returns>
    internal static NeutralBaseline? TryBaseline(FaceAnalysis face, GeometricPspiScorer scorer, out string? problem)
    {
        if (face.QualityIssue is { } issue)
        {
            problem = issue;
            return null;
        }

        if (!AuProxies.TryFromLandmarks(face.Landmarks, out var proxies))
        {
            problem = GeometricPspiScorer.BadLandmarksReason;
            return null;
        }

        HeadPose? pose = face.Pose is { } p ? new HeadPose(p.Yaw, p.Pitch) : null;

        // Frontal values, as the daemon's patient scorer learns them (issue 12 item 5).
        proxies = proxies.CorrectedForYaw(pose?.YawDegrees ?? 0);
        var baseline = new NeutralBaseline(proxies);
        var self = scorer.Score(proxies, baseline, pose);
        problem = self.IsScorable ? null : self.CannotScoreReason;
        return self.IsScorable ? baseline : null;
    }

    private static async Task<IFaceDetector?> CreateDetectorAsync(DetectionOptions detection, string home)
    {
        try
        {
            return FaceDetectorFactory.Create(detection, home, NullLoggerFactory.Instance);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await Console.Error.WriteLineAsync("painstream: cannot load the face detector: " + ex.Message);
            return null;
        }
    }

    private static DetectionOptions Clone(DetectionOptions options, DetectorKind kind) => new()
    {
        Detector = kind,
        ModelsDirectory = options.ModelsDirectory,
        MinScore = options.MinScore,
        NmsIoU = options.NmsIoU,
        MaxFaces = options.MaxFaces,
        Workers = options.Workers,
        ExecutionProvider = options.ExecutionProvider,
        IntraOpThreads = options.IntraOpThreads,
    };

    private static FaceAnalysis Largest(IReadOnlyList<FaceAnalysis> faces) => faces.MaxBy(f => f.Box.Area)!;

    private static ImageResult Analyze(string path, IFaceDetector detector, LandmarkFaceAnalyzer analyzer)
    {
        if (!File.Exists(path))
        {
            return new ImageResult(path, [], "file not found");
        }

        using var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty())
        {
            return new ImageResult(path, [], "not an image OpenCV can decode");
        }

        var (width, height) = (mat.Cols, mat.Rows);
        var stride = width * 3;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(mat.Ptr(y), data, y * stride, stride);
        }

        var image = new BgrImage(data, width, height, stride);
        var faces = detector.Detect(image);
        return new ImageResult(path, analyzer.Analyze(image, faces), null);
    }

    private static PspiEstimate Estimate(FaceAnalysis face, GeometricPspiScorer scorer, NeutralBaseline? baseline)
    {
        if (face.QualityIssue is { } issue)
        {
            return PspiEstimate.CannotScore(issue);
        }

        HeadPose? pose = face.Pose is { } p ? new HeadPose(p.Yaw, p.Pitch) : null;
        if (baseline is not { } b)
        {
            return PspiEstimate.CannotScore("no neutral baseline (give --baseline IMAGE)");
        }

        // Corrected for the head's yaw as the daemon's patient scorer does (issue 12 item 5).
        return AuProxies.TryFromLandmarks(face.Landmarks, out var proxies)
            ? scorer.Score(proxies.CorrectedForYaw(pose?.YawDegrees ?? 0), b, pose)
            : PspiEstimate.CannotScore(GeometricPspiScorer.BadLandmarksReason);
    }

    private static string ToText(List<ImageResult> results, GeometricPspiScorer scorer, NeutralBaseline? baseline)
    {
        var text = new StringBuilder();
        foreach (var result in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"{result.Image}: ");
            if (result.Error is not null)
            {
                text.AppendLine("error: " + result.Error);
                continue;
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"{result.Faces.Count} face(s)");
            for (var i = 0; i < result.Faces.Count; i++)
            {
                var face = result.Faces[i];
                var box = face.Box;
                var estimate = Estimate(face, scorer, baseline);
                AuProxies.TryFromLandmarks(face.Landmarks, out var proxies);
                text.AppendLine(CultureInfo.InvariantCulture, $"  face {i}: box x={box.X:F0} y={box.Y:F0} w={box.Width:F0} h={box.Height:F0} detector score {face.DetectorScore:F2}");
                if (face.Pose is { } pose)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"    pose: yaw {pose.Yaw:F1} pitch {pose.Pitch:F1} roll {pose.Roll:F1} degrees");
                }

                text.AppendLine("    quality: " + (face.QualityIssue ?? "ok"));
                text.AppendLine(CultureInfo.InvariantCulture, $"    proxies: EAR {proxies.EyeAspectRatio:F3} lid {proxies.LidAperture:F3} brow-lid {proxies.BrowToLid:F3} inner-brow {proxies.InnerBrowGap:F3} nose-lip {proxies.NoseToUpperLip:F3} root-lip {proxies.NoseRootToLip:F3} (inter-ocular {proxies.InterOcularPixels:F1} px)");
                text.AppendLine(estimate.IsScorable
                    ? string.Create(CultureInfo.InvariantCulture, $"    AU4 {estimate.Au4:F2}  AU6/7 {estimate.Au6Or7:F2}  AU9/10 {estimate.Au9Or10:F2}  AU43 {estimate.Au43:F2}  PSPI {estimate.Pspi:F2} (confidence {estimate.Confidence:F2})")
                    : "    cannot score: " + estimate.CannotScoreReason);
                text.AppendLine("    landmarks: " + string.Join(' ', face.Landmarks.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:F1},{p.Y:F1}"))));
            }
        }

        return text.ToString();
    }

    private static string ToJson(List<ImageResult> results, GeometricPspiScorer scorer, NeutralBaseline? baseline)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var result in results)
            {
                w.WriteStartObject();
                w.WriteString("image", result.Image);
                if (result.Error is not null)
                {
                    w.WriteString("error", result.Error);
                }

                w.WriteStartArray("faces");
                foreach (var face in result.Faces)
                {
                    WriteFace(w, face, Estimate(face, scorer, baseline));
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void WriteFace(Utf8JsonWriter w, FaceAnalysis face, PspiEstimate estimate)
    {
        w.WriteStartObject();
        w.WriteStartObject("box");
        w.WriteNumber("x", Math.Round(face.Box.X, 1));
        w.WriteNumber("y", Math.Round(face.Box.Y, 1));
        w.WriteNumber("width", Math.Round(face.Box.Width, 1));
        w.WriteNumber("height", Math.Round(face.Box.Height, 1));
        w.WriteNumber("score", Math.Round(face.DetectorScore, 3));
        w.WriteEndObject();
        w.WriteStartArray("landmarks");
        foreach (var p in face.Landmarks)
        {
            w.WriteStartArray();
            w.WriteNumberValue(Math.Round(p.X, 2));
            w.WriteNumberValue(Math.Round(p.Y, 2));
            w.WriteEndArray();
        }

        w.WriteEndArray();
        if (face.Pose is { } pose)
        {
            w.WriteStartObject("pose");
            w.WriteNumber("yaw", Math.Round(pose.Yaw, 1));
            w.WriteNumber("pitch", Math.Round(pose.Pitch, 1));
            w.WriteNumber("roll", Math.Round(pose.Roll, 1));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("pose");
        }

        if (AuProxies.TryFromLandmarks(face.Landmarks, out var proxies))
        {
            w.WriteStartObject("proxies");
            w.WriteNumber("eyeAspectRatio", Math.Round(proxies.EyeAspectRatio, 4));
            w.WriteNumber("lidAperture", Math.Round(proxies.LidAperture, 4));
            w.WriteNumber("browToLid", Math.Round(proxies.BrowToLid, 4));
            w.WriteNumber("innerBrowGap", Math.Round(proxies.InnerBrowGap, 4));
            w.WriteNumber("noseToUpperLip", Math.Round(proxies.NoseToUpperLip, 4));
            w.WriteNumber("noseRootToLip", Math.Round(proxies.NoseRootToLip, 4));
            w.WriteNumber("interOcularPixels", Math.Round(proxies.InterOcularPixels, 2));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("proxies");
        }

        if (estimate.IsScorable)
        {
            w.WriteStartObject("au");
            w.WriteNumber("au4", Math.Round(estimate.Au4, 3));
            w.WriteNumber("au6_7", Math.Round(estimate.Au6Or7, 3));
            w.WriteNumber("au9_10", Math.Round(estimate.Au9Or10, 3));
            w.WriteNumber("au43", Math.Round(estimate.Au43, 3));
            w.WriteEndObject();
            w.WriteNumber("pspi", Math.Round(estimate.Pspi, 3));
            w.WriteNumber("confidence", Math.Round(estimate.Confidence, 3));
        }
        else
        {
            w.WriteNull("au");
            w.WriteNull("pspi");
            w.WriteNumber("confidence", 0);
        }

        w.WriteStartObject("quality");
        w.WriteBoolean("ok", face.QualityIssue is null);
        var reasons = new List<string>(2);
        if (face.QualityIssue is { } issue)
        {
            reasons.Add(issue);
        }

        if (estimate.CannotScoreReason is { } reason && reason != face.QualityIssue)
        {
            reasons.Add(reason);
        }

        w.WriteStartArray("reasons");
        foreach (var r in reasons)
        {
            w.WriteStringValue(r);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private sealed record ImageResult(string Image, IReadOnlyList<FaceAnalysis> Faces, string? Error);
}
