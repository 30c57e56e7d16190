// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Runtime.InteropServices;
using PainStream.LoadTool;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"load: {ex.Message}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 64;
}

if (options.Help)
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

using var children = new ChildProcesses();
using var cts = new CancellationTokenSource();

// Ctrl-C and SIGTERM cancel the run; every started process is killed on the way out (finally blocks + ProcessExit).
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    Console.Error.WriteLine("[load] stopping: killing child processes");
    cts.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
AppDomain.CurrentDomain.ProcessExit += (_, _) => children.KillAll();

var report = new LoadReport
{
    CommandLine = string.Join(' ', [Environment.ProcessPath ?? "dotnet", .. Environment.GetCommandLineArgs()]),
    StartedAt = DateTimeOffset.UtcNow,
    Machine = MachineInfo.Describe(options),
    Settings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["window s"] = options.Seconds.ToString(CultureInfo.InvariantCulture),
        ["warm-up s"] = options.WarmupSeconds.ToString(CultureInfo.InvariantCulture),
        ["fps per camera"] = options.Keyframes ? "the keyframe rate" : options.Fps.ToString(CultureInfo.InvariantCulture),
        ["decode mode"] = options.Keyframes ? "keyframes" : "all",
        ["clip GOP s"] = options.GopSeconds.ToString(CultureInfo.InvariantCulture),
        ["analysis size"] = options.Analysis.ToString(),
        ["held when"] = string.Create(CultureInfo.InvariantCulture, $"analysed fps >= {options.MinFpsRatio} x {options.TargetFps:0.###} fps and dropped <= max(1, {options.MaxDropRatio} x captured)"),
        ["capture arguments"] = "ffmpeg " + string.Join(' ', CaptureArguments.For("FILE", options.Fps, options.Analysis, options.Keyframes)),
        ["decode-only pixel format"] = options.PixelFormat,
        ["Capture:PixelFormat (daemon)"] = options.DaemonPixelFormat ?? "daemon default",
        ["daemon"] = options.DaemonDll,
        ["Detection:RedetectEveryFrames"] = options.RedetectEveryFrames?.ToString(CultureInfo.InvariantCulture) ?? "daemon default",
        ["clip"] = options.LegacyClip ? "legacy (face not found on the whole frame: detection only)" : "demo face sliding across (a face in every frame)",
    },
};

using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
var exit = 0;
try
{
    foreach (var size in options.RunDecode || options.RunPipeline ? options.Sizes : [])
    {
        var clip = await Clips.EnsureAsync(options, size, children, cts.Token);
        int? heldDecode = null;
        int? heldPipeline = null;
        var ratios = new SortedDictionary<int, double>();
        foreach (var n in options.Cameras)
        {
            ScenarioResult? decode = null;
            ScenarioResult? pipeline = null;
            if (options.RunDecode)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[load] decode-only  {size} x {n} cameras, {options.Seconds} s"));
                decode = await DecodeOnlyScenario.RunAsync(options, size, clip, n, children, cts.Token);
                report.Scenarios.Add(decode);
                Print(decode);
                heldDecode = decode.AllHeld ? Math.Max(heldDecode ?? 0, n) : heldDecode;
                await Task.Delay(1000, cts.Token);
            }

            if (options.RunPipeline)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[load] pipeline     {size} x {n} cameras, {options.Seconds} s"));
                pipeline = await PipelineScenario.RunAsync(options, size, clip, n, children, http, cts.Token);
                report.Scenarios.Add(pipeline);
                Print(pipeline);
                heldPipeline = pipeline.AllHeld ? Math.Max(heldPipeline ?? 0, n) : heldPipeline;
                await Task.Delay(1000, cts.Token);
            }

            if (decode is { Completed: true, CpuMsPerFrame: > 0 } && pipeline is { Completed: true })
            {
                ratios[n] = pipeline.CpuMsPerFrame / decode.CpuMsPerFrame;
            }

            var failed = (pipeline ?? decode)!;
            if (!failed.Completed && failed.Kind == "pipeline")
            {
                // The daemon cannot run at all: the rest of the sweep would fail the same way.
                exit = 2;
                break;
            }

            if (!failed.AllHeld && !options.NoEarlyStop)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[load] {size}: {n} cameras did not hold {options.TargetFps:0.###} fps; larger counts skipped (--no-early-stop to run them)"));
                break;
            }
        }

        var (fixedCores, msPerFrame) = FitDaemonCost(report.Scenarios.Where(r => r.Kind == "pipeline" && r.Completed && r.Source == size.ToString()));
        report.Summary.Add(new SweepSummary(size.ToString(), heldDecode, heldPipeline, ratios, fixedCores, msPerFrame, options.Cameras.Max()));
    }

    if (options.RunAlertLatency && exit == 0)
    {
        var clips = await AlertLatencyScenario.EnsureClipsAsync(options, children, cts.Token);
        report.Settings["alert-latency clip"] = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(clips[0])} ({options.AlertNeutralSeconds} s neutral, {AlertLatencyScenario.RampSeconds} s ramp, {options.AlertGrimaceSeconds} s grimace, ramp, neutral: {AlertLatencyScenario.LoopSeconds(options)} s loop, {AlertLatencyScenario.ClipFps} fps) in {clips.Count} phase(s)");
        report.Settings["alert-latency window s"] = options.AlertSeconds.ToString(CultureInfo.InvariantCulture);
        foreach (var n in options.AlertCameras)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[load] alert-latency {n} cameras, {options.AlertSeconds} s"));
            var run = await AlertLatencyScenario.RunAsync(options, clips, n, children, http, cts.Token);
            report.Scenarios.Add(run);
            Print(run);
            await Task.Delay(1000, cts.Token);
        }
    }
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("[load] cancelled; writing what was measured");
    exit = 130;
}
finally
{
    children.KillAll();
}

report.EndedAt = DateTimeOffset.UtcNow;
var path = await ReportWriter.WriteAsync(report, options);
ReportWriter.PrintSummary(report);
Console.WriteLine($"[load] wrote {path} and {Path.ChangeExtension(path, ".json")}");
return exit;

// Least squares of daemon CPU per second against analysed frames per second: intercept = fixed cost, slope = cost per frame.
static (double? FixedCores, double? MsPerFrame) FitDaemonCost(IEnumerable<ScenarioResult> runs)
{
    var points = runs.Where(r => r.WindowSeconds > 0).Select(r => (X: r.FramesProcessed / r.WindowSeconds, Y: r.HostCpuSeconds / r.WindowSeconds)).ToList();
    if (points.Count < 2)
    {
        return (null, null);
    }

    var mx = points.Average(p => p.X);
    var my = points.Average(p => p.Y);
    var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
    if (sxx <= 0)
    {
        return (null, null);
    }

    var slope = points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    return (my - (slope * mx), slope * 1000);
}

static void Print(ScenarioResult r)
{
    if (!r.Completed)
    {
        Console.WriteLine($"[load]   FAILED: {r.Error}");
        if (r.LogTail is not null)
        {
            Console.WriteLine(r.LogTail);
        }

        return;
    }

    var minFps = r.PerCamera.Count == 0 ? double.NaN : r.PerCamera.Min(p => p.AnalysedFps);
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"[load]   frames {r.FramesCaptured} captured, {r.FramesProcessed} processed, {r.FramesDropped} dropped; min fps {minFps:F2}; held {r.AllHeld}; CPU {r.CpuSeconds:F2} s = {r.CpuMsPerFrame:F2} ms/frame ({r.CoresUsed:F2} cores, other load {r.OtherCoresBusy:F2} cores)"));
    if (r.Kind == "pipeline")
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"[load]   faces analysed per processed frame {(r.FacesDetected + r.FacesTracked) / r.FramesProcessed:F2} (detected {r.FacesDetected}, tracked {r.FacesTracked}); ffmpeg {r.FfmpegCpuSeconds:F2} s, daemon process {r.HostCpuSeconds:F2} s = {r.HostCpuSeconds * 1000 / r.FramesProcessed:F2} ms per analysed frame"));
    }
    if (r.Alerts is { } a)
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"[load]   alerts timed {string.Join(", ", a.TimedByType.Select(kv => $"{kv.Key} {kv.Value}"))}; capture -> PUBACK p50/p95 {a.P50Ms:F0}/{a.P95Ms:F0} ms (new: {a.NewP50Ms:F0}/{a.NewP95Ms:F0} ms, all <= {a.MaxBoundMs:F0} ms); emit -> subscriber p50/p95/max {a.EmitToSubscriberP50Ms:F1}/{a.EmitToSubscriberP95Ms:F1}/{a.EmitToSubscriberMaxMs:F1} ms over {a.Received} events; load average {r.LoadAverage}"));
        if (a.Note is not null)
        {
            Console.WriteLine($"[load]   WARNING: {a.Note}");
        }
    }
}
