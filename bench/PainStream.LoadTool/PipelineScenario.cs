// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace PainStream.LoadTool;

/// <summary>
/// The real daemon (<c>dotnet painstream.dll run --config …</c>) with N cameras playing local files, measured from outside:
/// CPU of its process tree from <c>/proc</c>, frames and latency from its Prometheus <c>/metrics</c>, memory from
/// <c>/proc/&lt;pid&gt;/status</c>.
/// </summary>
/// <remarks>
/// Metric names follow the OpenTelemetry Prometheus exporter's mapping of <c>PainStreamInstruments</c>: dots become
/// underscores, counters get <c>_total</c>, histograms in seconds get <c>_seconds</c>, and the <c>camera.id</c> tag becomes
/// the <c>camera_id</c> label.
/// </remarks>
internal static class PipelineScenario
{
    private const string Captured = "painstream_frames_captured_total";
    private const string Dropped = "painstream_frames_dropped_total";
    private const string Processed = "painstream_frames_processed_total";
    private const string Reconnects = "painstream_camera_reconnects_total";
    private const string DetectBuckets = "painstream_detect_duration_seconds_bucket";
    private const string LatencyBuckets = "painstream_pipeline_latency_seconds_bucket";
    private const string CameraLabel = "camera_id";
    private const string FacesAnalysed = "painstream_faces_analysed_total";
    private const string DetectBatchSize = "painstream_detect_batch_size";

    // The runtime's System.Runtime meter (exported by the daemon since issue 14): bytes allocated on the managed heap, and
    // work items the thread pool ran (each one a hop between threads, or a timer/IO callback).
    private const string Allocated = "dotnet_gc_heap_total_allocated_bytes_total";
    private const string WorkItems = "dotnet_thread_pool_work_item_count_total";
    private const string LockContentions = "dotnet_monitor_lock_contentions_total";

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Runs the scenario.</summary>
    /// <param name="options">The tool's options.</param>
    /// <param name="size">The source size.</param>
    /// <param name="clip">The clip every camera plays.</param>
    /// <param name="cameras">The number of cameras.</param>
    /// <param name="children">Where started processes are registered.</param>
    /// <param name="http">The HTTP client for <c>/metrics</c>.</param>
    /// <param name="cancellationToken">Stops the run (Ctrl-C).</param>
    /// <returns>The figures.</returns>
    /// <param name="hooks">What another scenario run on the same daemon adds (configuration, a subscriber, extra figures), or <see langword="null"/>.</param>
    public static async Task<ScenarioResult> RunAsync(LoadOptions options, SourceSize size, string clip, int cameras, ChildProcesses children, HttpClient http, CancellationToken cancellationToken, DaemonRunHooks? hooks = null)
    {
        hooks ??= new DaemonRunHooks();
        if (!File.Exists(options.DaemonDll))
        {
            return Failed(hooks.Kind, size, cameras, $"{options.DaemonDll} does not exist: build it with scripts/setup (or pass --daemon).", null);
        }

        var work = Directory.CreateTempSubdirectory("painstream-load-");
        var names = Enumerable.Range(1, cameras).Select(i => string.Create(CultureInfo.InvariantCulture, $"cam{i}")).ToArray();
        var httpPort = FreePort();
        var mqttPort = FreePort();
        var config = Path.Combine(work.FullName, "painstream.json");
        var root = BuildConfig(options, clip, names, httpPort, mqttPort, work.FullName);
        hooks.Configure?.Invoke(root, names);
        await File.WriteAllTextAsync(config, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        var metricsUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{httpPort}/metrics"));

        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = options.Repo,
        };
        info.ArgumentList.Add(options.DaemonDll);
        info.ArgumentList.Add("run");
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        info.Environment["PAINSTREAM_HOME"] = options.Repo;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";

        using var daemon = children.Start(info);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var pumps = new[] { PumpAsync(daemon.StandardOutput, log), PumpAsync(daemon.StandardError, log) };
        var leftovers = 0;
        try
        {
            // Ready once every camera has had a frame through detection.
            var ready = Stopwatch.StartNew();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (daemon.HasExited)
                {
                    return Failed(hooks.Kind, size, cameras, $"the daemon exited with code {daemon.ExitCode} during start-up", await TailAsync(log));
                }

                if (ready.Elapsed > StartupTimeout)
                {
                    return Failed(hooks.Kind, size, cameras, $"not every camera had a processed frame on {metricsUrl} after {StartupTimeout.TotalSeconds} s", await TailAsync(log));
                }

                var scrape = await TryScrapeAsync(http, metricsUrl, cancellationToken);
                if (scrape is not null && names.All(n => scrape.SumBy(Processed, CameraLabel).GetValueOrDefault(n) > 0))
                {
                    break;
                }

                await Task.Delay(250, cancellationToken);
            }

            var readySeconds = ready.Elapsed.TotalSeconds;
            if (hooks.OnReadyAsync is { } onReady)
            {
                await onReady(mqttPort, cancellationToken);
            }

            var warmup = await WarmUpAsync(daemon.Id, Math.Max(options.WarmupSeconds, hooks.MinWarmupSeconds), cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[load]   daemon ready in {readySeconds:F1} s; warmed up in {warmup:F1} s"));

            var seconds = hooks.WindowSeconds ?? options.Seconds;
            var before = await SnapshotAsync(daemon.Id, http, metricsUrl, cancellationToken);
            hooks.OnWindowStart?.Invoke();
            var clock = Stopwatch.StartNew();
            double rssPeak = 0;
            double ffmpegRssPeak = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, seconds - clock.Elapsed.TotalSeconds + 0.001)), cancellationToken);
                if (daemon.HasExited)
                {
                    return Failed(hooks.Kind, size, cameras, $"the daemon exited with code {daemon.ExitCode} during the run", await TailAsync(log));
                }

                rssPeak = Math.Max(rssPeak, (ProcFs.TryReadStatusBytes(daemon.Id, "VmRSS") ?? 0) / 1048576.0);
                var kids = ProcFs.ReadTree(daemon.Id).Where(p => p.Pid != daemon.Id);
                ffmpegRssPeak = Math.Max(ffmpegRssPeak, kids.Sum(p => ProcFs.TryReadStatusBytes(p.Pid, "VmRSS") ?? 0) / 1048576.0);
            }

            var after = await SnapshotAsync(daemon.Id, http, metricsUrl, cancellationToken);
            hooks.OnWindowEnd?.Invoke();
            var window = clock.Elapsed.TotalSeconds;
            var rss = ProcFs.TryReadStatusBytes(daemon.Id, "VmRSS") / 1048576.0;
            var hwm = ProcFs.TryReadStatusBytes(daemon.Id, "VmHWM") / 1048576.0;

            leftovers = await children.StopAsync(daemon, graceful: true, TimeSpan.FromSeconds(15));
            var result = Measure(options, size, cameras, names, before, after, window) with
            {
                Kind = hooks.Kind,
                LoadAverage = ProcFs.LoadAverages(),
                WarmupSeconds = warmup,
                ReadySeconds = readySeconds,
                DaemonRssMiB = rss,
                DaemonHwmMiB = hwm,
                FfmpegRssMiB = ffmpegRssPeak,
                LeftoverChildren = leftovers,
            };
            return hooks.OnMeasured is { } measured ? measured(result, before.Metrics, after.Metrics) : result;
        }
        finally
        {
            await children.StopAsync(daemon, graceful: true, TimeSpan.FromSeconds(15));
            await Task.WhenAll(pumps);
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Best effort: it is a temp directory.
            }
        }
    }

    private static ScenarioResult Measure(LoadOptions options, SourceSize size, int cameras, string[] names, Snapshot before, Snapshot after, double window)
    {
        var hz = ProcFs.TicksPerSecond;
        var treeCpu = (after.TreeTicks - before.TreeTicks) / hz;
        var daemonCpu = (after.DaemonTicks - before.DaemonTicks) / hz;
        var machineBusy = (after.Machine.Busy - before.Machine.Busy) / hz;

        Dictionary<string, double> Delta(string metric)
        {
            var a = after.Metrics.SumBy(metric, CameraLabel);
            var b = before.Metrics.SumBy(metric, CameraLabel);
            return names.ToDictionary(n => n, n => a.GetValueOrDefault(n) - b.GetValueOrDefault(n), StringComparer.Ordinal);
        }

        var captured = Delta(Captured);
        var processed = Delta(Processed);
        var dropped = Delta(Dropped);
        var reconnects = Delta(Reconnects);
        var perCamera = names.Select(n =>
        {
            var fps = processed[n] / window;
            var held = fps >= options.TargetFps * options.MinFpsRatio && dropped[n] <= Math.Max(1, captured[n] * options.MaxDropRatio);
            return new CameraResult(n, (long)captured[n], (long)processed[n], (long)dropped[n], fps, (long)reconnects[n], held);
        }).ToList();

        var detect = PromScrape.Delta(after.Metrics.Histogram(DetectBuckets), before.Metrics.Histogram(DetectBuckets));
        var latency = PromScrape.Delta(after.Metrics.Histogram(LatencyBuckets), before.Metrics.Histogram(LatencyBuckets));
        var totalCaptured = perCamera.Sum(c => c.Captured);

        // Issue 14 item 2: the detector's batch sizes in the window, printed only (a daemon before batching has no such metric).
        var batchCalls = after.Metrics.Sum(DetectBatchSize + "_count") - before.Metrics.Sum(DetectBatchSize + "_count");
        if (batchCalls > 0)
        {
            var images = after.Metrics.Sum(DetectBatchSize + "_sum") - before.Metrics.Sum(DetectBatchSize + "_sum");
            var sizes = PromScrape.Delta(after.Metrics.Histogram(DetectBatchSize + "_bucket"), before.Metrics.Histogram(DetectBatchSize + "_bucket"));
            var single = sizes.Where(b => b.UpperBound <= 1).Select(b => b.Count).DefaultIfEmpty(0).Max(); // cumulative buckets
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"[load]   detector batches: {batchCalls:F0} calls, {images / batchCalls:F2} images per call, {batchCalls - single:F0} calls of 2 or more (p95 {PromScrape.Quantile(sizes, 0.95):F1})"));
        }

        var facesAfter = after.Metrics.SumBy(FacesAnalysed, "source");
        var facesBefore = before.Metrics.SumBy(FacesAnalysed, "source");
        double Faces(string source) => facesAfter.Count == 0 ? double.NaN : facesAfter.GetValueOrDefault(source) - facesBefore.GetValueOrDefault(source);
        var analysed = perCamera.Sum(c => c.Processed);
        double PerFrame(double delta) => analysed > 0 ? delta / analysed : double.NaN;
        var switches = after.WakeUps.SwitchesSince(before.WakeUps);
        double RuntimePerFrame(string metric) => after.Metrics.Has(metric) ? PerFrame(after.Metrics.Sum(metric) - before.Metrics.Sum(metric)) : double.NaN;
        return new ScenarioResult
        {
            FacesDetected = Faces("detected"),
            AllocatedBytesPerFrame = RuntimePerFrame(Allocated),
            ThreadPoolItemsPerFrame = RuntimePerFrame(WorkItems),
            LockContentionsPerFrame = RuntimePerFrame(LockContentions),
            VoluntarySwitchesPerFrame = PerFrame(switches.Voluntary),
            InvoluntarySwitchesPerFrame = PerFrame(switches.Involuntary),
            ReadCallsPerFrame = PerFrame(after.WakeUps.ReadCalls - before.WakeUps.ReadCalls),
            FacesTracked = Faces("tracked"),
            Kind = "pipeline",
            Source = size.ToString(),
            Cameras = cameras,
            WindowSeconds = window,
            PerCamera = perCamera,
            FramesCaptured = totalCaptured,
            FramesProcessed = perCamera.Sum(c => c.Processed),
            FramesDropped = perCamera.Sum(c => c.Dropped),
            CpuSeconds = treeCpu,
            FfmpegCpuSeconds = treeCpu - daemonCpu,
            HostCpuSeconds = daemonCpu,
            CpuMsPerFrame = totalCaptured > 0 ? treeCpu * 1000 / totalCaptured : double.NaN,
            CoresUsed = treeCpu / window,
            OtherCoresBusy = Math.Max(0, (machineBusy - treeCpu) / window),
            DetectP50Ms = PromScrape.Quantile(detect, 0.50) * 1000,
            DetectP95Ms = PromScrape.Quantile(detect, 0.95) * 1000,
            LatencyP50Ms = PromScrape.Quantile(latency, 0.50) * 1000,
            LatencyP95Ms = PromScrape.Quantile(latency, 0.95) * 1000,
            DaemonThreads = ThreadBreakdown(before.Threads, after.Threads, hz),
            AllHeld = perCamera.TrueForAll(c => c.Held),
        };
    }

    /// <summary>
    /// Waits at least <paramref name="minimum"/> seconds, then until the runtime's tiered-compilation thread has gone quiet
    /// (under 20 ms of CPU in 2 s) or 60 more seconds have passed: re-JIT to optimised code keeps a core busy for several
    /// seconds after start-up, and measuring it would charge the daemon a one-off cost per frame.
    /// </summary>
    private static async Task<double> WarmUpAsync(int pid, double minimum, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(minimum), cancellationToken);
        var quiet = 0.02 * ProcFs.TicksPerSecond;
        var previous = TieredCompilationTicks(pid);
        while (clock.Elapsed.TotalSeconds < minimum + 60)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var now = TieredCompilationTicks(pid);
            if (now - previous <= quiet)
            {
                break;
            }

            previous = now;
        }

        return clock.Elapsed.TotalSeconds;
    }

    // The thread is named ".NET Tiered Compilation Worker" (comm shows its first 15 characters); a new one may replace it.
    private static long TieredCompilationTicks(int pid) =>
        ProcFs.ReadThreads(pid).Values.Where(t => t.Name.StartsWith(".NET Tiered", StringComparison.Ordinal)).Sum(t => t.Ticks);

    private static Dictionary<string, double> ThreadBreakdown(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after, double hz)
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (tid, (name, ticks)) in after)
        {
            var delta = ticks - (before.TryGetValue(tid, out var b) ? b.Ticks : 0);
            if (delta > 0)
            {
                // "ORT thread 3", ".NET TP Worker" …: fold numbers so that pools show as one line.
                var key = string.Concat(name.Where(c => !char.IsAsciiDigit(c))).Trim();
                byName[key] = byName.GetValueOrDefault(key) + (delta / hz);
            }
        }

        return byName.OrderByDescending(kv => kv.Value).Take(10).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 2), StringComparer.Ordinal);
    }

    private static ScenarioResult Failed(string kind, SourceSize size, int cameras, string error, string? tail) => new()
    {
        Kind = kind,
        Source = size.ToString(),
        Cameras = cameras,
        WindowSeconds = 0,
        Completed = false,
        Error = error,
        LogTail = tail,
    };

    private static JsonObject BuildConfig(LoadOptions options, string clip, string[] names, int httpPort, int mqttPort, string work)
    {
        var cams = new JsonObject();
        foreach (var n in names)
        {
            cams[n] = new JsonObject { ["Url"] = clip };
        }

        var root = new JsonObject
        {
            ["Cameras"] = cams,
            ["Capture"] = new JsonObject
            {
                ["FfmpegPath"] = options.Ffmpeg,
                ["Fps"] = options.Fps,
                ["Width"] = options.Analysis.Width,
                ["Height"] = options.Analysis.Height,
                ["DecodeMode"] = options.Keyframes ? "keyframes" : "all",
                ["MaxKeyframeIntervalSeconds"] = Math.Max(2, options.GopSeconds),
            },
            // Its own alert outbox: the default under the repository's data/ would be shared, and an outbox allows one process.
            ["Mqtt"] = new JsonObject { ["EmbeddedPort"] = mqttPort, ["OutboxPath"] = Path.Combine(work, "outbox.db") },
            // Its own baselines too: a baseline saved by an earlier run (or by the developer's daemon) would be restored.
            ["Scoring"] = new JsonObject { ["StateDirectory"] = Path.Combine(work, "state") },
            ["Http"] = new JsonObject { ["Url"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{httpPort}") },
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
        };
        if (options.DetectWorkers is { } workers)
        {
            root["Detection"] = new JsonObject { ["Workers"] = workers };
        }

        if (options.DaemonPixelFormat is { } pixelFormat)
        {
            ((JsonObject)root["Capture"]!)["PixelFormat"] = pixelFormat;
        }

        if (options.RedetectEveryFrames is { } every)
        {
            var detection = root["Detection"] as JsonObject ?? new JsonObject();
            detection["RedetectEveryFrames"] = every;
            root["Detection"] = detection;
        }

        return root;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<PromScrape?> TryScrapeAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            return PromScrape.Parse(await http.GetStringAsync(url, cancellationToken));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The HTTP client's own timeout.
            return null;
        }
    }

    private static async Task<Snapshot> SnapshotAsync(int pid, HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        // /proc first, then the scrape: both are cheap next to a 20 s window, and the order is the same at both ends.
        var tree = ProcFs.ReadTree(pid);
        var machine = ProcFs.MachineTicks();
        var metrics = await TryScrapeAsync(http, url, cancellationToken)
            ?? throw new InvalidOperationException($"{url} did not answer.");
        return new Snapshot(ProcFs.TreeTicks(tree), tree.FirstOrDefault(p => p.Pid == pid).OwnTicks, machine, metrics, ProcFs.ReadThreads(pid), ProcFs.ReadWakeUps(pid));
    }

    private static async Task PumpAsync(StreamReader reader, System.Collections.Concurrent.ConcurrentQueue<string> log)
    {
        // Only the tail is kept: it goes into the report when the daemon fails.
        while (await reader.ReadLineAsync() is { } line)
        {
            log.Enqueue(line);
            while (log.Count > 200 && log.TryDequeue(out _))
            {
            }
        }
    }

    private static async Task<string> TailAsync(System.Collections.Concurrent.ConcurrentQueue<string> log)
    {
        // Let the pumps catch up with what the daemon wrote just before it failed.
        await Task.Delay(500);
        return string.Join('\n', log.ToArray().TakeLast(40));
    }

    private sealed record Snapshot(long TreeTicks, long DaemonTicks, (long Busy, long Total) Machine, PromScrape Metrics, Dictionary<int, (string Name, long Ticks)> Threads, WakeUps WakeUps);
}
