// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Scoring;
using PainStream.Scoring.Onnx;

namespace PainStream.Benchmarks;

/// <summary>
/// <c>PainStream.Benchmarks --batcher-latency</c>: what the cross-camera batcher adds to a face's latency. N producer tasks
/// (one per camera) each submit an aligned crop at a steady analysis rate to ONE <see cref="OnnxBatchScorer"/> running its
/// own <see cref="OnnxBatchScorer.RunAsync"/> loop with the daemon's batching settings; per face it records submit →
/// completion and the run time of the batch the face was in; added latency = completion − batch run, the time spent waiting
/// for the batch to fill (up to <c>MaxWait</c>), queued behind earlier batches, and the continuation's hop to the caller.
/// </summary>
/// <remarks>
/// <para>Which batch a face was in: <see cref="OnnxBatchScorer.Submit"/> and the record of the face go into one FIFO under one
/// lock, and the scorer's <c>BeforeRun</c> hook (called on the loop with the batch size, after the tensors are written and
/// before the session runs) takes that many faces off it, under the same lock. The channel is FIFO, so this is exact. The
/// batch's run time is the scorer's own <c>LastBatchDuration</c> (prep + inference + post-processing), read when the next
/// batch starts and after the loop ends. The lock costs each Submit an uncontended monitor enter (tens of ns).</para>
/// <para>Completion is stamped when the caller's <see cref="PendingCropScore.WaitAsync"/> resumes, as the patient stage
/// waits: so the added latency includes the thread-pool hop from the loop to the waiting caller.</para>
/// <para>Cameras start at a random phase within one frame period (fixed seed), as independent cameras do, and then tick on a
/// <see cref="PeriodicTimer"/>. The first <c>--warmup</c> seconds (JIT, the first run of each batch size) are not counted.</para>
/// </remarks>
internal static class BatcherLatency
{
    /// <summary>Runs the harness from the command line.</summary>
    /// <param name="args">The options (see <see cref="Help"/>).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        Settings settings;
        try
        {
            settings = Settings.Parse(args);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"--batcher-latency: {ex.Message}\n{Help}");
            return 64;
        }

        if (settings.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        byte[][] crops = [InferenceFixtures.AlignedCrop(grimace: false), InferenceFixtures.AlignedCrop(grimace: true)];
        var regions = InferenceFixtures.Regions();
        var runs = new JsonArray();
        string? provider = null;
        foreach (var fps in settings.Fps)
        {
            Console.WriteLine($"batcher latency: {settings.Cameras} cameras × {fps.ToString(CultureInfo.InvariantCulture)} faces/s, MaxBatchSize {settings.MaxBatch}, MaxWait {settings.MaxWaitMs.ToString(CultureInfo.InvariantCulture)} ms, {settings.Warmup} s warm-up + {settings.Seconds} s on {Path.GetFileName(settings.ModelPath)}");
            var (run, active) = await MeasureAsync(settings, fps, crops, regions, cancellationToken);
            provider = active;
            runs.Add(run);
            Console.WriteLine(run.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        var result = new JsonObject
        {
            ["model"] = settings.ModelPath,
            ["executionProvider"] = provider,
            ["onnxRuntime"] = InferenceFixtures.RuntimeVersion,
            ["intraOpThreads"] = 1,
            ["cameras"] = settings.Cameras,
            ["maxBatchSize"] = settings.MaxBatch,
            ["maxWaitMs"] = settings.MaxWaitMs,
            ["warmupSeconds"] = settings.Warmup,
            ["seconds"] = settings.Seconds,
            ["seed"] = settings.Seed,
            ["processorCount"] = Environment.ProcessorCount,
            ["runs"] = runs,
        };
        if (settings.Out is { } path)
        {
            await File.WriteAllTextAsync(path, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            Console.WriteLine($"batcher latency: wrote {path}");
        }

        return 0;
    }

    /// <summary>Gets the command-line help.</summary>
    public static string Help =>
        """
        PainStream.Benchmarks --batcher-latency [--model PATH] [--cameras 8] [--fps 5,10] [--seconds 30] [--warmup 5]
                              [--max-batch 16] [--max-wait-ms 35] [--seed 1] [--out FILE.json] [--provider cpu|cuda]
        Defaults: artifacts/bench-models/dacnn-w05.onnx (bench/make-models), the daemon's Scoring batching defaults.
        """;

    private static async Task<(JsonObject Run, string Provider)> MeasureAsync(Settings settings, double fps, byte[][] crops, FaceRegionLayout regions, CancellationToken cancellationToken)
    {
        var options = new OnnxBatchOptions { MaxBatchSize = settings.MaxBatch, MaxWait = TimeSpan.FromMilliseconds(settings.MaxWaitMs) };
        using var scorer = new OnnxBatchScorer(InferenceFixtures.LoadModel(settings.ModelPath), options, regions, NullLogger.Instance);
        var gate = new Lock();
        var order = new Queue<Face>();
        var batches = new List<BatchRecord>();
        scorer.BeforeRun = count =>
        {
            // On the loop thread, between batches: the previous batch's duration is final now.
            if (batches.Count > 0)
            {
                batches[^1] = batches[^1] with { Duration = scorer.LastBatchDuration };
            }

            lock (gate)
            {
                for (var i = 0; i < count; i++)
                {
                    order.Dequeue().Batch = batches.Count;
                }
            }

            batches.Add(new BatchRecord(count, TimeSpan.Zero));
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = Task.Run(() => scorer.RunAsync(stop.Token), CancellationToken.None);
        var period = TimeSpan.FromSeconds(1 / fps);
        var t0 = Stopwatch.GetTimestamp();
        var windowStart = t0 + Ticks(settings.Warmup);
        var windowEnd = windowStart + Ticks(settings.Seconds);
        var random = new Random(settings.Seed);
        var phases = Enumerable.Range(0, settings.Cameras).Select(_ => TimeSpan.FromTicks((long)(random.NextDouble() * period.Ticks))).ToArray();
        var perCamera = new List<Face>[settings.Cameras];
        var waits = new List<Task>[settings.Cameras];
        var producers = new Task[settings.Cameras];
        for (var c = 0; c < settings.Cameras; c++)
        {
            var camera = c;
            perCamera[camera] = [];
            waits[camera] = [];
            producers[camera] = Task.Run(() => ProduceAsync(camera), CancellationToken.None);
        }

        var sampler = SampleWindowAsync(windowStart, windowEnd, cancellationToken);
        await Task.WhenAll(producers);
        await Task.WhenAll(waits.SelectMany(w => w));
        var usage = await sampler;
        // Every wait has completed, so nothing is queued: stopping the loop ends it after its last batch.
        await stop.CancelAsync();
        await loop;
        if (batches.Count > 0)
        {
            batches[^1] = batches[^1] with { Duration = scorer.LastBatchDuration };
        }

        return (Summarise(settings, fps, perCamera.SelectMany(f => f).ToList(), batches, windowStart, windowEnd, usage), scorer.Model.ExecutionProvider);

        async Task ProduceAsync(int camera)
        {
            await Task.Delay(phases[camera], cancellationToken);
            using var timer = new PeriodicTimer(period);
            var crop = crops[camera % crops.Length];
            do
            {
                var face = new Face(camera, Stopwatch.GetTimestamp());
                perCamera[camera].Add(face);
                var pending = Submit(face, crop);
                if (pending is not null)
                {
                    waits[camera].Add(AwaitScoreAsync(face, pending));
                }
            }
            while (Stopwatch.GetTimestamp() < windowEnd && await timer.WaitForNextTickAsync(cancellationToken));
        }

        PendingCropScore? Submit(Face face, byte[] crop)
        {
            lock (gate)
            {
                var pending = scorer.Submit(InferenceFixtures.View(crop));
                if (pending.IsCompleted)
                {
                    face.Outcome = pending.Result.CannotScoreReason ?? "completed at once";
                    return null;
                }

                order.Enqueue(face);
                return pending;
            }
        }

        async Task AwaitScoreAsync(Face face, PendingCropScore pending)
        {
            // As the patient stage waits for a face's score (with a timeout much longer than any batch here).
            var done = await pending.WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System, cancellationToken);
            face.Done = Stopwatch.GetTimestamp();
            face.Outcome = !done ? "timed out" : pending.Result.CannotScoreReason;
        }
    }

    private static JsonObject Summarise(Settings settings, double fps, List<Face> faces, List<BatchRecord> batches, long windowStart, long windowEnd, CpuUsage usage)
    {
        var window = faces.Where(f => f.Submitted >= windowStart && f.Submitted < windowEnd).ToList();
        var scored = window.Where(f => f.Outcome is null && f.Batch >= 0).ToList();
        var completion = scored.Select(f => Stopwatch.GetElapsedTime(f.Submitted, f.Done).TotalMilliseconds).ToArray();
        var run = scored.Select(f => batches[f.Batch].Duration.TotalMilliseconds).ToArray();
        var added = scored.Select(f => Stopwatch.GetElapsedTime(f.Submitted, f.Done).TotalMilliseconds - batches[f.Batch].Duration.TotalMilliseconds).ToArray();

        // The batches that hold faces of the window (their other faces may be just outside it).
        var inWindow = scored.Select(f => f.Batch).Distinct().Order().Select(i => batches[i]).ToList();
        var histogram = new JsonObject();
        foreach (var group in inWindow.GroupBy(b => b.Size).OrderBy(g => g.Key))
        {
            histogram[group.Key.ToString(CultureInfo.InvariantCulture)] = group.Count();
        }

        var byBatchSize = new JsonObject();
        foreach (var group in inWindow.GroupBy(b => b.Size).OrderBy(g => g.Key))
        {
            byBatchSize[group.Key.ToString(CultureInfo.InvariantCulture)] = Round(group.Average(b => b.Duration.TotalMilliseconds));
        }

        var reasons = new JsonObject();
        foreach (var group in window.Where(f => f.Outcome is not null).GroupBy(f => f.Outcome!))
        {
            reasons[group.Key] = group.Count();
        }

        return new JsonObject
        {
            ["fpsPerCamera"] = fps,
            ["cameras"] = settings.Cameras,
            ["offeredFacesPerSecond"] = settings.Cameras * fps,
            ["facesSubmitted"] = window.Count,
            ["facesScored"] = scored.Count,
            ["facesNotScored"] = reasons,
            ["facesPerSecond"] = Round(scored.Count / settings.Seconds),
            ["completionMs"] = Percentiles(completion),
            ["batchRunMs"] = Percentiles(run),
            ["addedMs"] = Percentiles(added),
            ["batches"] = inWindow.Count,
            ["meanBatchSize"] = inWindow.Count == 0 ? 0 : Round(inWindow.Average(b => b.Size)),
            ["batchSizeHistogram"] = histogram,
            ["meanBatchRunMsBySize"] = byBatchSize,
            ["loopBusyFraction"] = Round(inWindow.Sum(b => b.Duration.TotalSeconds) / settings.Seconds),
            ["processCores"] = Round(usage.ProcessCpuSeconds / usage.WallSeconds),
            ["otherCores"] = usage.OtherCores is { } other ? Round(other) : null,
            ["loadAverageAtEnd"] = usage.LoadAverage,
        };
    }

    private static JsonObject Percentiles(double[] values)
    {
        Array.Sort(values);
        return new JsonObject
        {
            ["n"] = values.Length,
            ["p50"] = Round(Quantile(values, 0.50)),
            ["p95"] = Round(Quantile(values, 0.95)),
            ["p99"] = Round(Quantile(values, 0.99)),
            ["max"] = values.Length == 0 ? null : Round(values[^1]),
            ["mean"] = values.Length == 0 ? null : Round(values.Average()),
        };
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default) on sorted values.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 3) : 0;

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    /// <summary>This process's CPU and the rest of the machine's busy time over the measured window.</summary>
    private static async Task<CpuUsage> SampleWindowAsync(long windowStart, long windowEnd, CancellationToken cancellationToken)
    {
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), windowStart), cancellationToken);
        using var self = Process.GetCurrentProcess();
        var cpu0 = self.TotalProcessorTime;
        var busy0 = MachineBusySeconds();
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), windowEnd), cancellationToken);
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
        var busy1 = MachineBusySeconds();
        var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double? other = busy0 is { } b0 && busy1 is { } b1 ? Math.Max(0, ((b1 - b0) - cpu) / wall) : null;
        string? load = File.Exists("/proc/loadavg") ? string.Join(' ', (await File.ReadAllTextAsync("/proc/loadavg", cancellationToken)).Split(' ').Take(3)) : null;
        return new CpuUsage(wall, cpu, other, load);
    }

    /// <summary>The machine's busy CPU seconds so far (all cores: user, nice, system, irq, softirq, steal), from <c>/proc/stat</c>.</summary>
    private static double? MachineBusySeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        using var reader = new StreamReader("/proc/stat");
        var line = reader.ReadLine();
        if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
        {
            return null;
        }

        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        foreach (var i in (ReadOnlySpan<int>)[1, 2, 3, 6, 7, 8])
        {
            busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
        }

        return busy / 100.0; // USER_HZ is 100 on Linux.
    }

    private sealed record CpuUsage(double WallSeconds, double ProcessCpuSeconds, double? OtherCores, string? LoadAverage);

    private readonly record struct BatchRecord(int Size, TimeSpan Duration);

    /// <summary>One submitted face.</summary>
    private sealed class Face(int camera, long submitted)
    {
        public int Camera { get; } = camera;

        public long Submitted { get; } = submitted;

        public long Done { get; set; }

        public int Batch { get; set; } = -1;

        /// <summary>Gets or sets why the face has no score, or <see langword="null"/> when it was scored.</summary>
        public string? Outcome { get; set; }
    }

    private sealed record Settings
    {
        public string ModelPath { get; init; } = "";

        public int Cameras { get; init; } = 8;

        public IReadOnlyList<double> Fps { get; init; } = [5, 10];

        public double Seconds { get; init; } = 30;

        public double Warmup { get; init; } = 5;

        public int MaxBatch { get; init; } = OnnxBatchOptions.DefaultMaxBatchSize;

        public double MaxWaitMs { get; init; } = OnnxBatchOptions.DefaultMaxWait.TotalMilliseconds;

        public int Seed { get; init; } = 1;

        public string? Out { get; init; }

        public bool Help { get; init; }

        public static Settings Parse(IReadOnlyList<string> args)
        {
            var s = new Settings();
            for (var i = 0; i < args.Count; i++)
            {
                var name = args[i];
                if (name is "-h" or "--help")
                {
                    return s with { Help = true };
                }

                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{name} needs a value");
                }

                var value = args[++i];
                s = name switch
                {
                    "--model" => s with { ModelPath = Path.GetFullPath(value) },
                    "--cameras" => s with { Cameras = Positive(int.Parse(value, CultureInfo.InvariantCulture), name) },
                    "--fps" => s with { Fps = [.. value.Split(',').Select(v => Positive(double.Parse(v, CultureInfo.InvariantCulture), name))] },
                    "--seconds" => s with { Seconds = Positive(double.Parse(value, CultureInfo.InvariantCulture), name) },
                    "--warmup" => s with { Warmup = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--max-batch" => s with { MaxBatch = Positive(int.Parse(value, CultureInfo.InvariantCulture), name) },
                    "--max-wait-ms" => s with { MaxWaitMs = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--seed" => s with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--out" => s with { Out = Path.GetFullPath(value) },
                    _ => throw new FormatException($"unknown option {name}"),
                };
            }

            return s.ModelPath.Length == 0 ? s with { ModelPath = InferenceFixtures.ModelPath("dacnn-w05") } : s;
        }

        private static T Positive<T>(T value, string name)
            where T : System.Numerics.INumber<T> =>
            value > T.Zero ? value : throw new FormatException($"{name} must be positive");
    }
}
