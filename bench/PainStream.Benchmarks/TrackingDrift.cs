// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Benchmarks;

/// <summary>
/// <c>PainStream.Benchmarks --tracking-drift</c> (issue 14): what following faces by their landmarks between detections
/// costs in accuracy and saves in CPU. Each clip is decoded once by ffmpeg exactly as the daemon's capture does (5 fps,
/// scaled and padded to 640x360, BGR); on every frame the reference runs BlazeFace front 128 on the whole frame and the
/// analyser on what it finds (as the daemon did before issue 14), and for each <c>--every N</c> a <see cref="FaceFollower"/>
/// applies the detect stage's rules. Drift is the mean distance, over the 68 points, between the tracked and the reference
/// landmarks of the same face (paired by nearest centre), in pixels of the 640x360 frame. Times are one thread's
/// <see cref="Stopwatch"/> time per frame (detector and analyser only), so on a busy machine compare them within a run.
/// </summary>
internal static class TrackingDrift
{
    private const int Width = 640;
    private const int Height = 360;

    private static readonly List<string> Probes = [];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var clips = new List<string>();
        var every = new List<int>();
        var seconds = 60.0;
        var fps = 5.0;
        string? output = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--clip": clips.Add(args[++i]); break;
                case "--every": every.AddRange(args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))); break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fps": fps = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                default:
                    await Console.Error.WriteLineAsync($"tracking-drift: unknown option {args[i]}\nusage: --tracking-drift [--clip FILE]... [--every 3,5,10] [--seconds 60] [--fps 5] [--out FILE.md]");
                    return 64;
            }
        }

        if (clips.Count == 0)
        {
            clips.Add(RepoPaths.Require("data/demo/demo.mp4", "scripts/setup"));
        }

        if (every.Count == 0)
        {
            every.AddRange([3, 5, 10]);
        }

        var predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(VisionFixtures.ModelsDirectory));
        var template = FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize);
        var quality = new FaceQualityOptions();
        using var detector = VisionFixtures.CreateDetector(BlazeFaceModel.Front);
        var report = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        report.AppendLine(c, $"# Landmark tracking drift and cost ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        report.AppendLine();
        report.AppendLine(c, $"Command: `PainStream.Benchmarks --tracking-drift {string.Join(' ', args)}`; {Environment.ProcessorCount} cores, load average at start {LoadAverage()}.");
        report.AppendLine();
        report.AppendLine("Reference: BlazeFace front 128 on every whole frame + `LandmarkFaceAnalyzer`. Tracked: `FaceFollower` (the detect stage's rules) with `Detection:RedetectEveryFrames` = N. "
            + "Drift: mean over the 68 points of |tracked − reference| in px at 640x360, per face present in both; frames where the two disagree on the number of plausible faces are counted apart. "
            + "ms/frame: one thread's wall time in the detector and the analyser (the machine was shared: compare within a row group).");
        report.AppendLine();
        report.AppendLine("| clip | N | frames | detector runs | degraded → redetected | drift mean px | drift p95 px | drift max px | face count differs | ms/frame tracked | ms/frame reference |");
        report.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");

        foreach (var clip in clips)
        {
            var frames = await DecodeAsync(clip, fps, seconds, cancellationToken);
            Console.WriteLine(string.Create(c, $"[drift] {clip}: {frames.Count} frames at {fps} fps"));

            // Reference: detect every frame (after a warm-up pass over the first frames, so the JIT is not timed).
            var reference = new List<FaceAnalysis[]>(frames.Count);
            var analyzer = new LandmarkFaceAnalyzer(predictor, template, () => quality);
            foreach (var f in frames.Take(30))
            {
                var image = new BgrImage(f, Width, Height, Width * 3);
                analyzer.Analyze(image, detector.Detect(image));
            }

            var clock = Stopwatch.StartNew();
            foreach (var f in frames)
            {
                var image = new BgrImage(f, Width, Height, Width * 3);
                var faces = detector.Detect(image);
                reference.Add([.. analyzer.Analyze(image, faces)]);
            }

            var referenceMs = clock.Elapsed.TotalMilliseconds / frames.Count;
            PredictCacheProbe(predictor, detector, frames, reference, report);

            foreach (var n in every)
            {
                var tracker = new FaceFollower(n);
                var detections = 0;
                var drifts = new List<double>();
                var differs = 0;
                var trackedAnalyzer = new LandmarkFaceAnalyzer(predictor, template, () => quality);
                clock.Restart();
                var results = new List<IReadOnlyList<FaceAnalysis>>(frames.Count);
                foreach (var f in frames)
                {
                    var (_, analyses, source) = tracker.Run(
                        Width,
                        Height,
                        (Detector: detector, Analyzer: trackedAnalyzer, Pixels: f),
                        static s => s.Detector.Detect(new BgrImage(s.Pixels, Width, Height, Width * 3)),
                        static (s, faces) => s.Analyzer.Analyze(new BgrImage(s.Pixels, Width, Height, Width * 3), faces));
                    detections += source == FaceSource.Detected ? 1 : 0;
                    results.Add(analyses);
                }

                var trackedMs = clock.Elapsed.TotalMilliseconds / frames.Count;
                detections += (int)tracker.Degraded;
                for (var i = 0; i < frames.Count; i++)
                {
                    var r = reference[i].Where(a => a.IsPlausibleFace).ToList();
                    var t = results[i].Where(a => a.IsPlausibleFace).ToList();
                    if (r.Count != t.Count)
                    {
                        differs++;
                    }

                    foreach (var a in t)
                    {
                        if (r.Count == 0)
                        {
                            break;
                        }

                        var nearest = r.MinBy(b => Distance(Centre(a.Landmarks), Centre(b.Landmarks)))!;
                        drifts.Add(MeanDistance(a.Landmarks, nearest.Landmarks));
                    }
                }

                drifts.Sort();
                var mean = drifts.Count == 0 ? double.NaN : drifts.Average();
                var p95 = drifts.Count == 0 ? double.NaN : drifts[(int)Math.Min(drifts.Count - 1, Math.Ceiling(0.95 * drifts.Count) - 1)];
                var max = drifts.Count == 0 ? double.NaN : drifts[^1];
                var line = string.Create(c, $"| {Path.GetFileName(clip)} | {n} | {frames.Count} | {detections} | {tracker.Degraded} | {mean:F2} | {p95:F2} | {max:F2} | {differs} | {trackedMs:F2} | {referenceMs:F2} |");
                Console.WriteLine(line);
                report.AppendLine(line);
            }
        }

        report.AppendLine();
        foreach (var probe in Probes)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"- {probe}");
        }

        report.AppendLine();
        report.AppendLine("detector runs: frames on which BlazeFace ran (scheduled, no face followed, or a followed fit degraded: those frames are analysed twice). "
            + "N = 1 is the reference itself run through the tracker (drift 0 unless nondeterministic).");
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report.ToString(), cancellationToken);
            Console.WriteLine($"[drift] wrote {output}");
        }

        return 0;
    }

    private static async Task<List<byte[]>> DecodeAsync(string clip, double fps, double seconds, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            "-nostdin", "-hide_banner", "-loglevel", "error", "-t", seconds.ToString(CultureInfo.InvariantCulture), "-i", clip, "-an", "-sn", "-dn",
            "-vf", string.Create(CultureInfo.InvariantCulture, $"fps={fps},scale={Width}:{Height}:force_original_aspect_ratio=decrease,pad={Width}:{Height}:(ow-iw)/2:(oh-ih)/2"),
            "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1",
        })
        {
            info.ArgumentList.Add(a);
        }

        using var ffmpeg = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
        var stderr = ffmpeg.StandardError.ReadToEndAsync(cancellationToken);
        var frames = new List<byte[]>();
        var stream = ffmpeg.StandardOutput.BaseStream;
        while (true)
        {
            var frame = new byte[Width * Height * 3];
            var read = await stream.ReadAtLeastAsync(frame, frame.Length, throwOnEndOfStream: false, cancellationToken);
            if (read < frame.Length)
            {
                break;
            }

            frames.Add(frame);
        }

        await ffmpeg.WaitForExitAsync(cancellationToken);
        if (ffmpeg.ExitCode != 0 || frames.Count == 0)
        {
            throw new InvalidOperationException($"ffmpeg could not decode {clip} (exit {ffmpeg.ExitCode}, {frames.Count} frames): {await stderr}");
        }

        return frames;
    }

    /// <summary>
    /// The shape predictor's cost on one frame repeated (its 65 MB of leaf vectors partly cached, as in the micro-benchmark)
    /// against each frame once (the daemon's case: other leaves every time, fetched from memory).
    /// </summary>
    private static void PredictCacheProbe(ShapePredictor predictor, BlazeFaceDetector detector, List<byte[]> frames, List<FaceAnalysis[]> reference, StringBuilder report)
    {
        var boxes = reference.Select((r, i) => (Index: i, Box: r.FirstOrDefault()?.Box)).Where(x => x.Box is not null).ToList();
        if (boxes.Count == 0)
        {
            return;
        }

        Span<PointF> landmarks = stackalloc PointF[predictor.LandmarkCount];
        var first = boxes[0];
        for (var i = 0; i < 50; i++)
        {
            predictor.Predict(new BgrImage(frames[first.Index], Width, Height, Width * 3), first.Box!.Value, landmarks);
        }

        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        for (var i = 0; i < boxes.Count; i++)
        {
            predictor.Predict(new BgrImage(frames[first.Index], Width, Height, Width * 3), first.Box!.Value, landmarks);
        }

        process.Refresh();
        var repeated = (process.TotalProcessorTime - cpu).TotalMilliseconds / boxes.Count;
        cpu = process.TotalProcessorTime;
        foreach (var (index, box) in boxes)
        {
            predictor.Predict(new BgrImage(frames[index], Width, Height, Width * 3), box!.Value, landmarks);
        }

        process.Refresh();
        var each = (process.TotalProcessorTime - cpu).TotalMilliseconds / boxes.Count;
        var line = string.Create(CultureInfo.InvariantCulture, $"shape predictor: {repeated:F3} CPU ms per face on one frame repeated, {each:F3} CPU ms per face over the clip's frames ({boxes.Count} faces)");
        Console.WriteLine(line);
        Probes.Add(line);
        GC.KeepAlive(detector);
    }

    private static PointF Centre(PointF[] p) => new(p.Average(q => q.X), p.Average(q => q.Y));

    private static double Distance(PointF a, PointF b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    private static double MeanDistance(PointF[] a, PointF[] b)
    {
        double sum = 0;
        for (var i = 0; i < Face68.Count; i++)
        {
            sum += Distance(a[i], b[i]);
        }

        return sum / Face68.Count;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
