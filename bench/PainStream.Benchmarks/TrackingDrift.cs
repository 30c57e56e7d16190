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
        var cascades = new List<int>();
        var similarities = new List<float>();
        var leaves = ShapePredictorModel.DefaultLeaves;
        var events = true;
        var fromPrevious = false;
        var compareLeaves = false;
        var seconds = 60.0;
        var fps = 5.0;
        string? output = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--clip": clips.Add(args[++i]); break;
                case "--every": every.AddRange(args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))); break;
                case "--cascades": cascades.AddRange(args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))); break;
                case "--min-similarity": similarities.AddRange(args[++i].Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture))); break;
                case "--leaves": leaves = Enum.Parse<ShapePredictorLeaves>(args[++i], ignoreCase: true); break;
                case "--no-events": events = false; break;
                case "--compare-leaves": compareLeaves = true; break;
                case "--follow-start": fromPrevious = args[++i] switch { "mean" => false, "previous" => true, var v => throw new ArgumentException($"--follow-start {v}: expected mean or previous") }; break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fps": fps = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                default:
                    await Console.Error.WriteLineAsync($"tracking-drift: unknown option {args[i]}\nusage: --tracking-drift [--clip FILE]... [--every 3,5,10] [--cascades 15,4,3,2,1] [--leaves quantized|exact] [--follow-start mean|previous] [--min-similarity -1,0.6] [--compare-leaves] [--no-events] [--seconds 60] [--fps 5] [--out FILE.md]");
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

        if (similarities.Count == 0)
        {
            similarities.Add(FaceFollower.DefaultMinSimilarity);
        }

        var predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(VisionFixtures.ModelsDirectory, leaves));
        var full = predictor.Model.CascadeCount;
        if (cascades.Count == 0)
        {
            cascades.Add(full);
        }

        if (cascades.Any(k => k < 1 || k > full))
        {
            await Console.Error.WriteLineAsync($"tracking-drift: --cascades must be 1 to {full}");
            return 64;
        }
        var template = FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize);
        var quality = new FaceQualityOptions();
        using var detector = VisionFixtures.CreateDetector(BlazeFaceModel.Front);
        var report = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        report.AppendLine(c, $"# Landmark tracking drift and cost ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        report.AppendLine();
        report.AppendLine(c, $"Command: `PainStream.Benchmarks --tracking-drift {string.Join(' ', args)}`; {Environment.ProcessorCount} cores, load average at start {LoadAverage()}.");
        report.AppendLine();
        report.AppendLine(c, $"Shape predictor leaves: {leaves}; followed faces start from: {(fromPrevious ? "their previous landmarks, last K cascades (--follow-start previous)" : "the mean face, first K cascades")}.");
        report.AppendLine();
        report.AppendLine("Reference: BlazeFace front 128 on every whole frame + `LandmarkFaceAnalyzer`. Tracked: `FaceFollower` (the detect stage's rules) with `Detection:RedetectEveryFrames` = N "
            + $"and `Detection:FollowCascades` = K (a followed face runs K of the predictor's {full} cascades; K = {full}: all, as before). "
            + "Drift: mean over the 68 points of |tracked − reference| in px at 640x360, per face present in both; frames where the two disagree on the number of plausible faces are counted apart. "
            + "S: `FaceFollower.MinSimilarity`, the appearance check's threshold (−1: off, as before it existed); similarity: the lowest appearance correlation of a followed face with its previous frame, over the clip's followed frames (min / 1st percentile). "
            + "ms/frame: one thread's wall time in the detector and the analyser (the machine was shared: compare within a row group).");
        report.AppendLine();
        report.AppendLine("| clip | N | K | S | frames | detector runs | degraded → redetected | drift mean px | drift p95 px | drift max px | face count differs | similarity min / p1 | ms/frame tracked | ms/frame reference |");
        report.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var eventLines = new List<string>();

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

            PredictorCostProbe(predictor, frames, reference, cascades, full, fromPrevious);
            SignatureCostProbe(template, frames, reference);
            if (compareLeaves)
            {
                LeavesProbe(predictor.Model, frames, reference, cascades);
            }

            foreach (var n in every)
            {
                foreach (var k in n == 1 ? [full] : cascades)
                {
                    foreach (var minSimilarity in similarities)
                    {
                        var run = Follow(frames, n, k, minSimilarity, fromPrevious, detector, predictor, template, quality);
                        var (mean, p95, max, differs) = Compare(reference, run.Results, Enumerable.Range(0, frames.Count));
                        var line = string.Create(c, $"| {Path.GetFileName(clip)} | {n} | {k} | {minSimilarity:0.##} | {frames.Count} | {run.Detections} | {run.Degraded} | {mean:F2} | {p95:F2} | {max:F2} | {differs} | {SimilarityFigures(run.Similarity, _ => true)} | {run.Milliseconds:F2} | {referenceMs:F2} |");
                        Console.WriteLine(line);
                        report.AppendLine(line);
                    }
                }
            }

            if (events && every.FirstOrDefault(n => n > 1) is var eventEvery and > 1)
            {
                eventLines.AddRange(await EventsAsync(clip, frames, eventEvery, cascades, similarities, fromPrevious, detector, predictor, template, quality, fps, cancellationToken));
            }
        }

        if (eventLines.Count > 0)
        {
            report.AppendLine();
            report.AppendLine("**Jumps and exits** (does the degraded check still catch them with a warm start?). The clip is perturbed: every 12 frames, "
                + $"starting at frame 7, either the face jumps ({JumpPixels} px to the right, the frame shifted, for 4 frames, then back) or leaves (one frame of vtest.avi: street, no face). "
                + "events: perturbed frames on which faces were being followed (the others were detected anyway); caught: of those, how many the degraded check sent to the detector on the same frame; "
                + "ghosts: perturbed frames where the follower reported a plausible face the reference (detecting every frame) did not have; drift: over all frames of the perturbed clip; "
                + "detector runs: over the perturbed clip; similarity: the lowest appearance correlation on followed event frames (max / median: how far below the threshold they fell) and on the other followed frames (min / p1).");
            report.AppendLine();
            report.AppendLine("| clip | N | K | S | events followed | caught | ghosts | face count differs | detector runs | drift mean px | drift p95 px | worst event-frame drift px | similarity at events max / median | elsewhere min / p1 |");
            report.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var line in eventLines)
            {
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

    private const int JumpPixels = 160;

    private sealed record FollowRun(List<IReadOnlyList<FaceAnalysis>> Results, List<FaceSource> Sources, List<long> DegradedAt, List<float> Similarity, int Detections, long Degraded, double Milliseconds);

    /// <summary>The detect stage's rules (<see cref="FaceFollower.Run"/>) over the frames with N, K and the appearance threshold S.</summary>
    private static FollowRun Follow(List<byte[]> frames, int n, int k, float minSimilarity, bool fromPrevious, BlazeFaceDetector detector, ShapePredictor predictor, FaceTemplate template, FaceQualityOptions quality)
    {
        var tracker = new FaceFollower(n) { MinSimilarity = minSimilarity };
        var analyzer = new LandmarkFaceAnalyzer(predictor, template, () => quality, followCascades: k) { FollowFromPrevious = fromPrevious };
        var results = new List<IReadOnlyList<FaceAnalysis>>(frames.Count);
        var sources = new List<FaceSource>(frames.Count);
        var degradedAt = new List<long>(frames.Count);
        var similarity = new List<float>(frames.Count);
        var detections = 0;
        var clock = Stopwatch.StartNew();
        foreach (var f in frames)
        {
            var (_, analyses, source) = tracker.Run(
                Width,
                Height,
                (Detector: detector, Analyzer: analyzer, Pixels: f),
                static s => s.Detector.Detect(new BgrImage(s.Pixels, Width, Height, Width * 3)),
                static (s, faces) => s.Analyzer.Analyze(new BgrImage(s.Pixels, Width, Height, Width * 3), faces));
            detections += source == FaceSource.Detected ? 1 : 0;
            results.Add(analyses);
            sources.Add(source);
            degradedAt.Add(tracker.Degraded);
            similarity.Add(tracker.LastSimilarity);
        }

        var ms = clock.Elapsed.TotalMilliseconds / frames.Count;
        return new FollowRun(results, sources, degradedAt, similarity, detections + (int)tracker.Degraded, tracker.Degraded, ms);
    }

    /// <summary>Drift of the tracked landmarks against the reference over the given frames: mean, p95, max, face-count mismatches.</summary>
    private static (double Mean, double P95, double Max, int Differs) Compare(List<FaceAnalysis[]> reference, List<IReadOnlyList<FaceAnalysis>> results, IEnumerable<int> frames)
    {
        var drifts = new List<double>();
        var differs = 0;
        foreach (var i in frames)
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
        return (mean, p95, max, differs);
    }

    /// <summary>
    /// The degraded check under a warm start: the clip perturbed with jumps (the frame shifted <see cref="JumpPixels"/> px
    /// for four frames) and exits (one frame with no face), reference and follower run on it, each K reported.
    /// </summary>
    private static async Task<List<string>> EventsAsync(
        string clip,
        List<byte[]> frames,
        int n,
        List<int> cascades,
        List<float> similarities,
        bool fromPrevious,
        BlazeFaceDetector detector,
        ShapePredictor predictor,
        FaceTemplate template,
        FaceQualityOptions quality,
        double fps,
        CancellationToken cancellationToken)
    {
        var empty = await DecodeAsync(RepoPaths.Require("data/fixtures/vtest.avi", "scripts/setup"), fps, 30, cancellationToken);
        var perturbed = new List<byte[]>(frames.Count);
        var eventFrames = new List<int>();
        var shift = false;
        var exits = 0;
        for (var i = 0; i < frames.Count; i++)
        {
            var phase = (i - 7) % 12;
            if (i >= 7 && phase == 0)
            {
                var jump = (i - 7) / 12 % 2 == 0;
                if (jump)
                {
                    shift = true;
                    eventFrames.Add(i);
                }
                else
                {
                    perturbed.Add(empty[exits++ % empty.Count]);
                    eventFrames.Add(i);
                    continue;
                }
            }
            else if (shift && phase == 4)
            {
                shift = false;
                eventFrames.Add(i);
            }

            perturbed.Add(shift ? Shifted(frames[i], JumpPixels) : frames[i]);
        }

        var reference = new List<FaceAnalysis[]>(perturbed.Count);
        var analyzer = new LandmarkFaceAnalyzer(predictor, template, () => quality);
        foreach (var f in perturbed)
        {
            var image = new BgrImage(f, Width, Height, Width * 3);
            reference.Add([.. analyzer.Analyze(image, detector.Detect(image))]);
        }

        var lines = new List<string>();
        var isEvent = new HashSet<int>(eventFrames);
        foreach (var (k, minSimilarity) in cascades.SelectMany(k => similarities.Select(s => (k, s))))
        {
            var run = Follow(perturbed, n, k, minSimilarity, fromPrevious, detector, predictor, template, quality);
            int followed = 0, caught = 0, ghosts = 0;
            double worst = 0;
            foreach (var e in eventFrames)
            {
                // Followed on this frame: the follower had faces from the previous frame and no detection was due.
                var wasDegraded = run.DegradedAt[e] > (e == 0 ? 0 : run.DegradedAt[e - 1]);
                var wasFollowed = run.Sources[e] == FaceSource.Tracked || wasDegraded;
                if (wasFollowed)
                {
                    followed++;
                    caught += wasDegraded ? 1 : 0;
                }

                var t = run.Results[e].Count(a => a.IsPlausibleFace);
                var r = reference[e].Count(a => a.IsPlausibleFace);
                ghosts += t > r ? 1 : 0;
                var (_, _, max, _) = Compare(reference, run.Results, [e]);
                worst = double.IsNaN(max) ? worst : Math.Max(worst, max);
            }

            var (mean, p95, _, differs) = Compare(reference, run.Results, Enumerable.Range(0, perturbed.Count));
            var atEvents = eventFrames.Select(e => run.Similarity[e]).Where(x => !float.IsNaN(x)).Order().ToList();
            var eventFigures = atEvents.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{atEvents[^1]:F2} / {atEvents[atEvents.Count / 2]:F2}");
            var line = string.Create(CultureInfo.InvariantCulture, $"| {Path.GetFileName(clip)} | {n} | {k} | {minSimilarity:0.##} | {followed} | {caught} | {ghosts} | {differs} | {run.Detections} | {mean:F2} | {p95:F2} | {worst:F2} | {eventFigures} | {SimilarityFigures(run.Similarity, i => !isEvent.Contains(i))} |");
            Console.WriteLine(line);
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The lowest and the 1st-percentile appearance similarity over the selected frames' followed faces.</summary>
    private static string SimilarityFigures(List<float> similarity, Func<int, bool> include)
    {
        var values = similarity.Select((x, i) => (x, i)).Where(p => !float.IsNaN(p.x) && include(p.i)).Select(p => p.x).Order().ToList();
        return values.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{values[0]:F2} / {values[(int)(0.01 * (values.Count - 1))]:F2}");
    }

    /// <summary>
    /// The appearance signature's CPU per face: <see cref="FaceSignature.Compute"/> on the aligned crop's inner face plus one
    /// <see cref="FaceSignature.Similarity"/>, over the reference's faces (aligned once, outside the timing), 200 rounds.
    /// </summary>
    private static void SignatureCostProbe(FaceTemplate template, List<byte[]> frames, List<FaceAnalysis[]> reference)
    {
        var aligner = new FaceAligner(template);
        var crops = new List<byte[]>();
        foreach (var (r, i) in reference.Select((r, i) => (r, i)))
        {
            if (r.FirstOrDefault(a => a.IsPlausibleFace) is { } face)
            {
                crops.Add(aligner.Align(new BgrImage(frames[i], Width, Height, Width * 3), face.Landmarks).Image.Data.ToArray());
            }
        }

        if (crops.Count == 0)
        {
            return;
        }

        var size = aligner.Size;
        var region = FaceQualityGate.MeasurementRegion(size);
        var previous = default(FaceSignature);
        double sink = 0;
        var process = Process.GetCurrentProcess();
        const int Rounds = 200;
        var start = TimeSpan.Zero;
        for (var round = 0; round <= Rounds; round++)
        {
            if (round == 1)
            {
                process.Refresh();
                start = process.TotalProcessorTime;
            }

            foreach (var crop in crops)
            {
                var signature = FaceSignature.Compute(new BgrImage(crop, size, size, size * 3), region);
                var s = FaceSignature.Similarity(previous, signature);
                sink += float.IsNaN(s) ? 0 : s;
                previous = signature;
            }
        }

        process.Refresh();
        var cpu = process.TotalProcessorTime - start;
        var line = string.Create(CultureInfo.InvariantCulture, $"appearance signature + comparison: {cpu.TotalMicroseconds / (Rounds * crops.Count):F1} CPU µs per face ({crops.Count} aligned faces × {Rounds} rounds after a warm-up round, one thread; mean similarity of consecutive faces {sink / ((Rounds + 1) * crops.Count):F3})");
        Console.WriteLine(line);
        Probes.Add(line);
    }

    /// <summary>The frame moved <paramref name="dx"/> px to the right, black where it uncovers.</summary>
    private static byte[] Shifted(byte[] frame, int dx)
    {
        var shifted = new byte[frame.Length];
        for (var y = 0; y < Height; y++)
        {
            frame.AsSpan(y * Width * 3, (Width - dx) * 3).CopyTo(shifted.AsSpan((y * Width * 3) + (dx * 3)));
        }

        return shifted;
    }

    /// <summary>
    /// The predictor alone per followed face, for each K: each frame once (the daemon's memory-bound case), in the reference's
    /// box of this frame (with --follow-start previous, from the reference's landmarks of the previous frame). CPU µs per face.
    /// </summary>
    private static void PredictorCostProbe(ShapePredictor predictor, List<byte[]> frames, List<FaceAnalysis[]> reference, List<int> cascades, int full, bool fromPrevious)
    {
        var pairs = new List<(int Index, BoxF Box, PointF[] Prior)>();
        for (var i = 1; i < frames.Count; i++)
        {
            if (reference[i].FirstOrDefault() is { } now && reference[i - 1].FirstOrDefault() is { } before)
            {
                pairs.Add((i, now.Box, before.Landmarks));
            }
        }

        if (pairs.Count == 0)
        {
            return;
        }

        var landmarks = new PointF[predictor.LandmarkCount];
        var parts = new List<string>();
        var process = Process.GetCurrentProcess();
        foreach (var k in cascades.Distinct().Order())
        {
            for (var round = 0; round < 2; round++)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                foreach (var (index, box, prior) in pairs)
                {
                    var image = new BgrImage(frames[index], Width, Height, Width * 3);
                    if (k == full)
                    {
                        predictor.Predict(image, box, landmarks);
                    }
                    else if (fromPrevious)
                    {
                        predictor.PredictFrom(image, box, prior, k, landmarks);
                    }
                    else
                    {
                        predictor.Predict(image, box, k, landmarks);
                    }
                }

                process.Refresh();
                if (round == 1)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"K={k}: {(process.TotalProcessorTime - cpu).TotalMicroseconds / pairs.Count:F0} µs"));
                }
            }
        }

        var line = $"predictor CPU per followed face, each frame once ({pairs.Count} faces, second of two rounds; K = {full}: every cascade; {(fromPrevious ? "others: last K from the previous landmarks" : "others: first K")}): {string.Join(", ", parts)}";
        Console.WriteLine(line);
        Probes.Add(line);
    }

    /// <summary>
    /// Float against 16-bit leaves on the clip's faces, each frame once (the daemon's memory-bound case), five interleaved
    /// rounds per leaf kind and K; the median CPU µs per face, and the mean and largest landmark difference between the two.
    /// </summary>
    private static void LeavesProbe(ShapePredictorModel loaded, List<byte[]> frames, List<FaceAnalysis[]> reference, List<int> cascades)
    {
        var other = ShapePredictorModel.LoadFace68(VisionFixtures.ModelsDirectory, loaded.LeafPrecision == ShapePredictorLeaves.Exact ? ShapePredictorLeaves.Quantized : ShapePredictorLeaves.Exact);
        var exact = new ShapePredictor(loaded.LeafPrecision == ShapePredictorLeaves.Exact ? loaded : other);
        var quantized = new ShapePredictor(loaded.LeafPrecision == ShapePredictorLeaves.Exact ? other : loaded);
        var faces = reference.Select((r, i) => (Index: i, Face: r.FirstOrDefault())).Where(x => x.Face is not null).Select(x => (x.Index, x.Face!.Box)).ToList();
        if (faces.Count == 0)
        {
            return;
        }

        var process = Process.GetCurrentProcess();
        var a = new PointF[68];
        var b = new PointF[68];
        foreach (var k in cascades.Distinct().OrderDescending())
        {
            var times = new Dictionary<ShapePredictor, List<double>> { [exact] = [], [quantized] = [] };
            for (var round = 0; round < 6; round++)
            {
                foreach (var predictor in round % 2 == 0 ? new[] { exact, quantized } : [quantized, exact])
                {
                    process.Refresh();
                    var cpu = process.TotalProcessorTime;
                    foreach (var (index, box) in faces)
                    {
                        predictor.Predict(new BgrImage(frames[index], Width, Height, Width * 3), box, k, a);
                    }

                    process.Refresh();
                    if (round > 0)
                    {
                        times[predictor].Add((process.TotalProcessorTime - cpu).TotalMicroseconds / faces.Count);
                    }
                }
            }

            double sum = 0, worst = 0;
            foreach (var (index, box) in faces)
            {
                exact.Predict(new BgrImage(frames[index], Width, Height, Width * 3), box, k, a);
                quantized.Predict(new BgrImage(frames[index], Width, Height, Width * 3), box, k, b);
                var d = MeanDistance(a, b);
                sum += d;
                worst = Math.Max(worst, d);
            }

            var line = string.Create(
                CultureInfo.InvariantCulture,
                $"leaves, K={k}, {faces.Count} faces each frame once: float {Median(times[exact]):F0} µs, 16-bit {Median(times[quantized]):F0} µs per face (median of 5 interleaved rounds); 16-bit vs float landmarks: mean {sum / faces.Count:F3} px, worst face {worst:F3} px");
            Console.WriteLine(line);
            Probes.Add(line);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
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
