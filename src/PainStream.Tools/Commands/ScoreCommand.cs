// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using PainStream.Core.Cameras;
using PainStream.Hosting;
using PainStream.Hosting.Configuration;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Scoring;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Tools.Commands;

/// <summary>
/// <c>painstream score IMAGE… [--baseline IMAGE] [--json] [--detector front|back|haar] [--config FILE]</c>: runs the
/// daemon's face analysis and geometric scorer on still images, so an integrator can check a camera placement and the
/// scorer can be tested on real faces. The JSON output is a stable contract (README "score output").
/// </summary>
internal static class ScoreCommand
{
    /// <summary>Exit code when an image cannot be read or decoded (sysexits EX_DATAERR).</summary>
    public const int ExitBadImage = 65;

    public const string Usage = "score IMAGE... [--baseline IMAGE] [--json] [--detector front|back|haar] [--camera NAME] [--config FILE]";

    public static async Task<int> RunAsync(string[] args, Func<string, int> fail)
    {
        var images = new List<string>();
        string? baselineImage = null, configFile = null, detectorName = null, cameraName = null;
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
                case "--camera" when i + 1 < args.Length:
                    cameraName = args[++i];
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

        var home = PainStreamConfiguration.ResolveHome();
        var file = PainStreamConfiguration.ResolveFile(configFile, home);
        if (Cli.LoadAndCheck(file, home, out _, out var settings).Count > 0)
        {
            return Cli.ExitBadConfig;
        }

        var detection = settings!.Detection;
        CameraSettings? camera = null;
        if (cameraName is not null)
        {
            // The per-bed figure: each image is a still from this camera at its own resolution (issue 12 item 2).
            var cameras = CameraOptionsResolver.Resolve(settings.Cameras, settings.Capture, settings.Demo, home, settings.Alerting, settings.Scoring.Scorer);
            if (!CameraId.IsValid(cameraName) || !cameras.TryGetValue(new CameraId(cameraName), out camera))
            {
                return fail($"score: --camera {cameraName}: no such camera in {file} (configured: {(cameras.Count == 0 ? "none" : string.Join(", ", cameras.Keys.Select(c => c.Value).Order(StringComparer.Ordinal)))})");
            }
        }

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
                if (camera is not null && result.Error is null)
                {
                    result = result with { Beds = MeasureBeds(image, camera, settings.Capture, detector, analyzer) };
                }

                failed |= result.Error is not null;
                results.Add(result);
            }

            var output = json ? ToJson(results, scorer, baseline, quality) : ToText(results, scorer, baseline, quality);
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

    private static string ToText(List<ImageResult> results, GeometricPspiScorer scorer, NeutralBaseline? baseline, FaceQualityOptions quality)
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

            AppendBeds(text, result, quality);
        }

        return text.ToString();
    }

    private static string ToJson(List<ImageResult> results, GeometricPspiScorer scorer, NeutralBaseline? baseline, FaceQualityOptions quality)
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
                WriteBeds(w, result, quality);
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

    /// <summary>
    /// Measures, for each bed of <paramref name="camera"/> and for both analysis modes, the inter-ocular distance of the bed's
    /// face as the daemon would see it: the still (a frame of the camera at its own resolution) is scaled and letterboxed to
    /// the mode's analysis size as ffmpeg does, split into the mode's detector tiles, and analysed on the whole picture.
    /// </summary>
    /// <param name="path">The still.</param>
    /// <param name="camera">The camera whose beds are measured.</param>
    /// <param name="capture">The <c>Capture</c> section (the analysis sizes).</param>
    /// <param name="detector">The face detector.</param>
    /// <param name="analyzer">The face analyser.</param>
    /// <returns>One figure per bed and mode, frame mode first.</returns>
    internal static List<BedFigure> MeasureBeds(string path, CameraSettings camera, CaptureOptions capture, IFaceDetector detector, IFaceAnalyzer analyzer)
    {
        using var source = Cv2.ImRead(path, ImreadModes.Color);
        var figures = new List<BedFigure>(camera.Beds.Count * 2);
        var tiles = new List<PixelRect>();
        foreach (var mode in (ReadOnlySpan<AnalysisMode>)[AnalysisMode.Frame, AnalysisMode.Beds])
        {
            var (width, height) = capture.AnalysisSize(mode);
            var data = Letterbox(source, width, height);
            var image = new BgrImage(data, width, height, width * 3);
            AnalysisTiles.Split(camera with { Analysis = mode, Width = width, Height = height }, width, height, tiles);
            var faces = new List<DetectedFace>();
            foreach (var tile in tiles)
            {
                foreach (var face in detector.Detect(image.Crop(tile)))
                {
                    faces.Add(AnalysisTiles.ToFrame(face, tile));
                }
            }

            var analyses = analyzer.Analyze(image, faces);
            foreach (var bed in camera.Beds)
            {
                // The bed's patient as the daemon would first take it: the largest plausible face whose centre lies in the bed.
                var face = analyses.Where(a => a.IsPlausibleFace && bed.Contains(a.Box.Center, width, height)).MaxBy(a => a.Box.Area);
                float? interOcular = face is not null && AuProxies.TryFromLandmarks(face.Landmarks, out var proxies) ? proxies.InterOcularPixels : null;
                figures.Add(new BedFigure(bed.Name, mode, mode == camera.Analysis, width, height, bed.Region.ToPixels(width, height), AnalysisTiles.ExpectedInterOcularPixels(bed.Region, width, height), interOcular, face?.QualityIssue));
            }
        }

        return figures;
    }

    /// <summary>Scales <paramref name="source"/> to fit <paramref name="width"/>×<paramref name="height"/>, keeping its aspect, and pads it centred, as the capture's <c>scale,pad</c> filters do.</summary>
    private static byte[] Letterbox(Mat source, int width, int height)
    {
        var scale = Math.Min((double)width / source.Cols, (double)height / source.Rows);
        var w = Math.Clamp((int)Math.Round(source.Cols * scale), 1, width);
        var h = Math.Clamp((int)Math.Round(source.Rows * scale), 1, height);
        using var scaled = new Mat();
        Cv2.Resize(source, scaled, new Size(w, h), 0, 0, scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        using var padded = new Mat();
        var left = (width - w) / 2;
        var top = (height - h) / 2;
        Cv2.CopyMakeBorder(scaled, padded, top, height - h - top, left, width - w - left, BorderTypes.Constant, Scalar.Black);
        var stride = width * 3;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(padded.Ptr(y), data, y * stride, stride);
        }

        return data;
    }

    private static string Verdict(float? interOcular, FaceQualityOptions quality) => interOcular switch
    {
        null => "no face found",
        { } d when d < quality.MinInterOcularPixels => string.Create(CultureInfo.InvariantCulture, $"below FaceQuality:MinInterOcularPixels {quality.MinInterOcularPixels:0.#}"),
        { } d when d < FullConfidenceInterOcular => string.Create(CultureInfo.InvariantCulture, $"scored, at reduced confidence (full from {FullConfidenceInterOcular:0} px)"),
        _ => "scored at full confidence",
    };

    private static float FullConfidenceInterOcular => new GeometricPspiOptions().FullConfidenceInterOcularPixels;

    private static void AppendBeds(StringBuilder text, ImageResult result, FaceQualityOptions quality)
    {
        if (result.Beds is not { Count: > 0 } beds)
        {
            return;
        }

        text.AppendLine("  inter-ocular pixels per bed (the still taken as a frame of the camera at its own resolution; * = the camera's Analysis):");
        foreach (var figure in beds)
        {
            var mode = figure.Mode == AnalysisMode.Beds ? "beds" : "frame";
            var face = figure.InterOcularPixels is { } d ? string.Create(CultureInfo.InvariantCulture, $"{d:F1} px") : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"    bed {figure.Bed}: {mode,-5}{(figure.Configured ? "*" : " ")} {figure.Width}x{figure.Height}: region {figure.Region.Width}x{figure.Region.Height} px (a patient's face ≈ {figure.ExpectedInterOcularPixels:F0} px), face {face}: {Verdict(figure.InterOcularPixels, quality)}{(figure.QualityIssue is { } q ? "; quality: " + q : string.Empty)}");
        }
    }

    private static void WriteBeds(Utf8JsonWriter w, ImageResult result, FaceQualityOptions quality)
    {
        if (result.Beds is not { } beds)
        {
            return;
        }

        w.WriteStartArray("beds");
        foreach (var figure in beds)
        {
            w.WriteStartObject();
            w.WriteString("bed", figure.Bed);
            w.WriteString("analysis", figure.Mode == AnalysisMode.Beds ? "beds" : "frame");
            w.WriteBoolean("configured", figure.Configured);
            w.WriteNumber("analysisWidth", figure.Width);
            w.WriteNumber("analysisHeight", figure.Height);
            w.WriteNumber("regionWidth", figure.Region.Width);
            w.WriteNumber("regionHeight", figure.Region.Height);
            w.WriteNumber("expectedInterOcularPixels", Math.Round(figure.ExpectedInterOcularPixels, 1));
            if (figure.InterOcularPixels is { } d)
            {
                w.WriteNumber("interOcularPixels", Math.Round(d, 2));
            }
            else
            {
                w.WriteNull("interOcularPixels");
            }

            w.WriteBoolean("enough", figure.InterOcularPixels >= quality.MinInterOcularPixels);
            w.WriteString("quality", figure.QualityIssue ?? (figure.InterOcularPixels is null ? null : "ok"));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>One bed's face size under one analysis mode.</summary>
    /// <param name="Bed">The bed.</param>
    /// <param name="Mode">The analysis mode measured.</param>
    /// <param name="Configured">Whether it is the camera's configured mode.</param>
    /// <param name="Width">The mode's analysis width.</param>
    /// <param name="Height">The mode's analysis height.</param>
    /// <param name="Region">The bed's region at that size.</param>
    /// <param name="ExpectedInterOcularPixels">What a patient's face is expected to get there (<see cref="AnalysisTiles.ExpectedInterOcularPixels"/>).</param>
    /// <param name="InterOcularPixels">The bed's face's measured inter-ocular distance, or <see langword="null"/> when no face was found.</param>
    /// <param name="QualityIssue">The face's quality issue, if any.</param>
    internal sealed record BedFigure(string Bed, AnalysisMode Mode, bool Configured, int Width, int Height, PixelRect Region, double ExpectedInterOcularPixels, float? InterOcularPixels, string? QualityIssue);

    private sealed record ImageResult(string Image, IReadOnlyList<FaceAnalysis> Faces, string? Error)
    {
        public IReadOnlyList<BedFigure>? Beds { get; init; }
    }
}
