// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PainStream.LoadTool;

/// <summary>Writes a load run as JSON (every figure) and Markdown (the tables people read), and prints the summary.</summary>
internal static class ReportWriter
{
    private static readonly string[] EventTypes = ["new", "update", "end"];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <c>load-&lt;date&gt;.json</c> and <c>.md</c> under the results directory.</summary>
    /// <param name="report">The report.</param>
    /// <param name="options">The options (the results directory).</param>
    /// <returns>The Markdown file's path.</returns>
    public static async Task<string> WriteAsync(LoadReport report, LoadOptions options)
    {
        Directory.CreateDirectory(options.OutDir);
        // A run of the alert-latency scenario alone is named after it, so it does not read as a throughput sweep.
        var name = report.Scenarios.Count > 0 && report.Scenarios.TrueForAll(r => r.Kind == "alert-latency") ? "alert-latency" : "load";
        var stem = Path.Combine(options.OutDir, string.Create(CultureInfo.InvariantCulture, $"{name}-{report.StartedAt.ToLocalTime():yyyyMMdd-HHmm}"));
        await File.WriteAllTextAsync(stem + ".json", JsonSerializer.Serialize(report, Json));
        await File.WriteAllTextAsync(stem + ".md", Markdown(report));
        return stem + ".md";
    }

    /// <summary>Renders the report as Markdown.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The text.</returns>
    public static string Markdown(LoadReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"# PainStream load run {report.StartedAt:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(c, $"Command: `{report.CommandLine}`");
        sb.AppendLine();
        foreach (var (k, v) in report.Machine)
        {
            sb.AppendLine(c, $"- {k}: {v}");
        }

        foreach (var (k, v) in report.Settings)
        {
            sb.AppendLine(c, $"- {k}: {v}");
        }

        sb.AppendLine();
        sb.AppendLine("CPU is utime+stime from /proc (decode: the ffmpeg processes; pipeline: the daemon's whole process tree) over the measured window, divided by the frames captured in it. "
            + "`other cores` is the rest of the machine's load during the window: when it is not near 0 the run shared the machine and wall-clock figures (latency, fps held) are pessimistic; CPU per frame is the robust figure.");
        AppendAlertLatency(sb, report);
        if (report.Summary.Count > 0)
        {
            AppendSummary(sb, report);
        }

        sb.AppendLine();
        sb.AppendLine("## Scenarios");
        return AppendScenarios(sb, report);
    }

    private static void AppendSummary(StringBuilder sb, LoadReport report)
    {
        var c = CultureInfo.InvariantCulture;
        sb.AppendLine();
        sb.AppendLine("## Summary");
        sb.AppendLine();
        sb.AppendLine("| source | largest N held, decode-only | largest N held, pipeline | pipeline/decode CPU per frame by N (pipeline − decode ms per analysed frame) | daemon fixed cores | daemon ms per frame |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var s in report.Summary)
        {
            string Beyond(int n)
            {
                var d = report.Scenarios.FirstOrDefault(r => r.Kind == "decode" && r.Completed && r.Source == s.Source && r.Cameras == n);
                var p = report.Scenarios.FirstOrDefault(r => r.Kind == "pipeline" && r.Completed && r.Source == s.Source && r.Cameras == n);
                return d is null || p is null ? string.Empty : string.Create(c, $" (+{p.CpuMsPerFrame - d.CpuMsPerFrame:F2} ms)");
            }

            var ratios = string.Join(", ", s.Ratios.Select(r => string.Create(c, $"N={r.Key}: {r.Value:F2}x{Beyond(r.Key)}")));
            sb.AppendLine(c, $"| {s.Source} | {Held(s.LargestHeldDecode, s.LargestTested)} | {Held(s.LargestHeldPipeline, s.LargestTested)} | {(ratios.Length == 0 ? "—" : ratios)} | {Show(s.DaemonFixedCores, "F3")} | {Show(s.DaemonMsPerFrame, "F2")} |");
        }

        sb.AppendLine();
        sb.AppendLine("daemon fixed cores / ms per frame: a least-squares line through the pipeline runs of that size, daemon-process CPU per second against analysed frames per second "
            + "(the ffmpeg children excluded). The fixed part (host, HTTP, MQTT, timers) is why the ratio is worst with few cameras.");
    }

    private static void AppendAlertLatency(StringBuilder sb, LoadReport report)
    {
        var runs = report.Scenarios.Where(r => r.Alerts is not null).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        var c = CultureInfo.InvariantCulture;
        var first = runs[0].Alerts!;
        sb.AppendLine();
        sb.AppendLine("## Alert latency (capture → alert published, dwell 0)");
        sb.AppendLine();
        sb.AppendLine(c, $"Daemon settings: {string.Join(", ", first.Settings.Select(kv => string.Create(c, $"{kv.Key} {kv.Value}")))}; everything else default. "
            + $"Clip loop {first.LoopSeconds} s in {first.Clips.Count} time-shifted phase(s) ({string.Join(", ", first.Clips)}); camera i plays phase i mod {first.Clips.Count}.");
        sb.AppendLine();
        sb.AppendLine("| N | window s | all held | min cam fps | dropped | events timed (new/update/end) | capture → PUBACK p50/p95 ms | new only p50/p95 ms | all ≤ ms | emit → subscriber p50/p95/max ms (events) | capture → detected p50/p95 ms | cores used | other cores | load avg at end |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in runs)
        {
            var a = r.Alerts!;
            var minFps = r.PerCamera.Count == 0 ? double.NaN : r.PerCamera.Min(p => p.AnalysedFps);
            var types = string.Join("/", EventTypes.Select(t => a.TimedByType.GetValueOrDefault(t).ToString(c)));
            sb.AppendLine(c, $"| {r.Cameras} | {r.WindowSeconds:F1} | {(r.AllHeld ? "yes" : "**no**")} | {minFps:F2} | {r.FramesDropped} | {types} | {Pair(a.P50Ms, a.P95Ms, "F0")} | {Pair(a.NewP50Ms, a.NewP95Ms, "F0")} | {Show(a.MaxBoundMs, "F0")} | {Pair(a.EmitToSubscriberP50Ms, a.EmitToSubscriberP95Ms)} / {Show(a.EmitToSubscriberMaxMs)} ({a.Received}) | {Pair(r.LatencyP50Ms, r.LatencyP95Ms)} | {r.CoresUsed:F2} | {r.OtherCoresBusy:F2} | {r.LoadAverage ?? "—"} |");
        }

        foreach (var note in runs.Select(r => r.Alerts!.Note).OfType<string>().Distinct())
        {
            sb.AppendLine();
            sb.AppendLine(c, $"**Warning:** {note}.");
        }

        sb.AppendLine();
        sb.AppendLine("capture → PUBACK: the daemon's `painstream_alert_latency_seconds` (from the capture timestamp of the frame whose processing raised the event to the broker's PUBACK), "
            + "window delta of the buckets, interpolated inside a bucket (bounds 2.5–5 ms apart below 25 ms, then 25 ms apart up to 300 ms, so within about 12 ms there). "
            + "Events raised by the one-second tick (a timer, no frame) or a command are not timed. "
            + "emit → subscriber: exact per event, the load tool's own MQTT subscriber's receipt time minus the event's `ts` (when the patient stage raised it): the outbox commit, the broker and the subscriber's wake-up. "
            + "capture → detected: `painstream_pipeline_latency_seconds` over all frames (the front part of the same path). "
            + "The smoothing delay between the face starting to grimace and the smoothed score crossing the threshold is a property of the alert policy and not part of either.");
    }

    private static string AppendScenarios(StringBuilder sb, LoadReport report)
    {
        var c = CultureInfo.InvariantCulture;
        sb.AppendLine();
        sb.AppendLine("| kind | source | N | window s | captured | processed | dropped | min cam fps | all held | CPU s | ffmpeg CPU s | host CPU s | CPU ms/frame | cores used | other cores | detect p50/p95 ms | latency p50/p95 ms | daemon RSS/HWM MiB | ffmpeg RSS MiB | leftover children | faces detected / tracked |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Scenarios)
        {
            if (!r.Completed)
            {
                sb.AppendLine(c, $"| {r.Kind} | {r.Source} | {r.Cameras} | failed: {r.Error} | | | | | | | | | | | | | | | | | |");
                continue;
            }

            var minFps = r.PerCamera.Count == 0 ? double.NaN : r.PerCamera.Min(p => p.AnalysedFps);
            sb.AppendLine(c, $"| {r.Kind} | {r.Source} | {r.Cameras} | {r.WindowSeconds:F1} | {r.FramesCaptured} | {r.FramesProcessed} | {r.FramesDropped} | {minFps:F2} | {(r.AllHeld ? "yes" : "**no**")} | {r.CpuSeconds:F2} | {r.FfmpegCpuSeconds:F2} | {r.HostCpuSeconds:F2} | {r.CpuMsPerFrame:F2} | {r.CoresUsed:F2} | {r.OtherCoresBusy:F2} | {Pair(r.DetectP50Ms, r.DetectP95Ms)} | {Pair(r.LatencyP50Ms, r.LatencyP95Ms)} | {Pair(r.DaemonRssMiB, r.DaemonHwmMiB, "F0")} | {Show(r.FfmpegRssMiB, "F0")} | {(r.Kind == "pipeline" ? r.LeftoverChildren.ToString(c) : "—")} | {(r.Kind == "pipeline" ? string.Create(c, $"{r.FacesDetected} / {r.FacesTracked}") : "—")} |");
        }

        var threaded = report.Scenarios.Where(r => r.DaemonThreads is { Count: > 0 }).ToList();
        if (threaded.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Daemon CPU by thread name (seconds in the window)");
            sb.AppendLine();
            foreach (var r in threaded)
            {
                var parts = string.Join(", ", r.DaemonThreads!.Select(kv => string.Create(c, $"{kv.Key} {kv.Value:F2}")));
                sb.AppendLine(c, $"- {r.Source} N={r.Cameras} (ready after {Show(r.ReadySeconds)} s, warm-up {Show(r.WarmupSeconds)} s): {parts}");
            }
        }

        var daemons = report.Scenarios.Where(r => r.Completed && r.Kind != "decode" && !double.IsNaN(r.VoluntarySwitchesPerFrame)).ToList();
        if (daemons.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Daemon wake-ups and allocation per analysed frame");
            sb.AppendLine();
            sb.AppendLine("The daemon process only (ffmpeg children excluded), over the window, divided by the frames analysed in it: context switches summed over its threads and read system calls from `/proc`; managed bytes allocated, thread-pool work items and contended locks from the runtime's `System.Runtime` meter on `/metrics` (— when the daemon does not export it).");
            sb.AppendLine();
            sb.AppendLine("| kind | source | N | daemon ms/frame | bytes allocated | voluntary switches | involuntary switches | read calls | thread-pool items | lock contentions |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in daemons)
            {
                var analysed = r.FramesProcessed;
                var daemonMs = analysed > 0 ? r.HostCpuSeconds * 1000 / analysed : double.NaN;
                sb.AppendLine(c, $"| {r.Kind} | {r.Source} | {r.Cameras} | {daemonMs:F2} | {Show(r.AllocatedBytesPerFrame, "F0")} | {r.VoluntarySwitchesPerFrame:F1} | {r.InvoluntarySwitchesPerFrame:F1} | {r.ReadCallsPerFrame:F1} | {Show(r.ThreadPoolItemsPerFrame, "F1")} | {Show(r.LockContentionsPerFrame, "F2")} |");
            }
        }

        var failures = report.Scenarios.Where(r => r.LogTail is not null).ToList();
        if (failures.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Daemon output of failed runs");
            foreach (var f in failures)
            {
                sb.AppendLine();
                sb.AppendLine(c, $"{f.Kind} {f.Source} N={f.Cameras}: {f.Error}");
                sb.AppendLine("```");
                sb.AppendLine(f.LogTail);
                sb.AppendLine("```");
            }
        }

        sb.AppendLine();
        sb.AppendLine("host CPU: the daemon process itself (pipeline) or the load tool reading the pipes (decode, not part of CPU s). "
            + "Detect and latency percentiles are interpolated inside the daemon's histogram buckets (detect bounds 1, 2, 4, 8 … ms), so they are accurate to a bucket's width.");
        return sb.ToString();
    }

    /// <summary>Prints the summary table to the console.</summary>
    /// <param name="report">The report.</param>
    public static void PrintSummary(LoadReport report)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("kind      source     N   min fps  held  CPU ms/frame  cores  other  detect p50/p95 ms  RSS MiB");
        foreach (var r in report.Scenarios)
        {
            if (!r.Completed)
            {
                Console.WriteLine(string.Create(c, $"{r.Kind,-9} {r.Source,-10} {r.Cameras,-3} failed: {r.Error}"));
                continue;
            }

            var minFps = r.PerCamera.Count == 0 ? double.NaN : r.PerCamera.Min(p => p.AnalysedFps);
            Console.WriteLine(string.Create(c, $"{r.Kind,-9} {r.Source,-10} {r.Cameras,-3} {minFps,7:F2}  {(r.AllHeld ? "yes" : "NO"),-4}  {r.CpuMsPerFrame,12:F2}  {r.CoresUsed,5:F2}  {r.OtherCoresBusy,5:F2}  {Pair(r.DetectP50Ms, r.DetectP95Ms),17}  {Show(r.DaemonRssMiB, "F0")}"));
        }

        foreach (var s in report.Summary)
        {
            var ratios = string.Join(", ", s.Ratios.Select(r => string.Create(c, $"N={r.Key}: {r.Value:F2}x")));
            Console.WriteLine(string.Create(c, $"{s.Source}: largest N held decode-only {Held(s.LargestHeldDecode, s.LargestTested)}, pipeline {Held(s.LargestHeldPipeline, s.LargestTested)}; pipeline/decode CPU per frame {ratios}; daemon fixed {Show(s.DaemonFixedCores, "F3")} cores + {Show(s.DaemonMsPerFrame, "F2")} ms/frame"));
        }
    }

    private static string Held(int? value, int largestTested) =>
        value is { } v && v >= largestTested ? string.Create(CultureInfo.InvariantCulture, $">= {v} (all tested held)") : Show(value);

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "none";

    private static string Show(double? value, string format = "F1") => value is { } v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string Pair(double? a, double? b, string format = "F1") => a is null && b is null ? "—" : $"{Show(a, format)} / {Show(b, format)}";
}
