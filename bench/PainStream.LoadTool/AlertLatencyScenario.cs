// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;

namespace PainStream.LoadTool;

/// <summary>
/// Frame capture → alert published, end to end: the real daemon on N cameras playing the pain demo clip (the astronaut's
/// face, neutral, then the grimace, then neutral again, looped), with the alert dwell at 0, so every grimace raises a pain
/// episode on the frame whose score first crosses the on-threshold, and a short hold, so it ends soon after.
/// </summary>
/// <remarks>
/// <para>Two measures, both over the window only:</para>
/// <list type="bullet">
/// <item><description><c>painstream_alert_latency_seconds</c>, the daemon's own histogram: from the capture timestamp of the frame
/// whose score raised the event to the broker's PUBACK of the event (capture → detect queue → detection and landmark analysis →
/// patient stage → outbox commit → MQTT publish → PUBACK). Quantiles interpolated inside its buckets (25 ms apart up to 300 ms).</description></item>
/// <item><description>A direct, exact check of the delivery part: the tool's own MQTT subscriber on <c>&lt;prefix&gt;/alerts</c>
/// takes the receipt time of every event and subtracts the event's <c>ts</c> (when the daemon raised it, same clock): patient
/// stage → outbox commit → broker → subscriber, per event.</description></item>
/// </list>
/// <para>Not measured here, on purpose: the smoothing delay (median window and EMA) between the face starting to grimace and the
/// smoothed score crossing the threshold. That is a property of the alert policy, not of the system's speed.</para>
/// <para>The cameras play <c>--alert-phases</c> copies of the clip shifted in time, so that the episodes of different cameras do not
/// all start on the same frame (phases 1: every camera grimaces at once, the outbox's worst case).</para>
/// </remarks>
internal static class AlertLatencyScenario
{
    /// <summary>The demo clip's ramps, in seconds (the demo-clip verb's default, passed explicitly so the loop length is known).</summary>
    public const double RampSeconds = 2;

    /// <summary>The demo clip's frame rate (the demo-clip verb's default).</summary>
    public const int ClipFps = 10;

    private const string LatencyBuckets = "painstream_alert_latency_seconds_bucket";
    private const string LatencyCount = "painstream_alert_latency_seconds_count";
    private const string AlertsTopic = "painstream/alerts";

    /// <summary>Gets the length of one loop of the clip: neutral, ramp, grimace, ramp, neutral.</summary>
    /// <param name="options">The tool's options.</param>
    /// <returns>Seconds.</returns>
    public static double LoopSeconds(LoadOptions options) => (2 * options.AlertNeutralSeconds) + (2 * RampSeconds) + options.AlertGrimaceSeconds;

    /// <summary>Makes the demo clip (with the daemon's own <c>demo-clip</c> verb) and its phase-shifted copies, once, under <c>data/bench/</c>.</summary>
    /// <param name="options">The tool's options.</param>
    /// <param name="children">Registers the processes, so Ctrl-C stops them.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>The clips, phase 0 first.</returns>
    public static async Task<IReadOnlyList<string>> EnsureClipsAsync(LoadOptions options, ChildProcesses children, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        var dir = Path.Combine(options.Repo, "data", "bench");
        Directory.CreateDirectory(dir);
        var stem = string.Create(c, $"demo-alert-{options.AlertNeutralSeconds}n-{options.AlertGrimaceSeconds}g");
        var baseClip = Path.Combine(dir, stem + ".mp4");
        if (!File.Exists(baseClip) || new FileInfo(baseClip).Length == 0)
        {
            var face = Path.Combine(options.Repo, "data", "fixtures", "astronaut.png");
            if (!File.Exists(face))
            {
                throw new FileNotFoundException($"{face} is missing: run scripts/fetch-fixtures first.", face);
            }

            Console.WriteLine($"[load] making the demo clip {baseClip} (painstream demo-clip)");
            await RunAsync(
                children,
                "dotnet",
                [options.DaemonDll, "demo-clip", "--face", face, "--out", baseClip, "--fps", ClipFps.ToString(c), "--neutral-seconds", options.AlertNeutralSeconds.ToString(c),
                    "--grimace-seconds", options.AlertGrimaceSeconds.ToString(c), "--ramp-seconds", RampSeconds.ToString(c), "--models", Path.Combine(options.Repo, "models")],
                options.Repo,
                cancellationToken);
        }

        var loop = LoopSeconds(options);
        var clips = new List<string> { baseClip };
        for (var k = 1; k < options.AlertPhases; k++)
        {
            // Rotated by k/K of a loop, whole frames: [offset, end) then [0, offset) of the same clip, re-encoded.
            var offset = Math.Round(k * loop / options.AlertPhases * ClipFps) / ClipFps;
            var clip = Path.Combine(dir, string.Create(c, $"{stem}-p{k}of{options.AlertPhases}.mp4"));
            clips.Add(clip);
            if (File.Exists(clip) && new FileInfo(clip).Length > 0)
            {
                continue;
            }

            var tmp = clip + ".tmp.mp4";
            var at = offset.ToString("F1", c);
            await RunAsync(
                children,
                options.Ffmpeg,
                ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-ss", at, "-i", baseClip, "-t", at, "-i", baseClip,
                    "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]",
                    "-an", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", ClipFps.ToString(c), tmp],
                options.Repo,
                cancellationToken);
            File.Move(tmp, clip, overwrite: true);
        }

        return clips;
    }

    /// <summary>Runs the scenario on <paramref name="cameras"/> cameras.</summary>
    /// <param name="options">The tool's options.</param>
    /// <param name="clips">The phases of the clip (camera i plays clip i mod count).</param>
    /// <param name="cameras">The number of cameras.</param>
    /// <param name="children">Where started processes are registered.</param>
    /// <param name="http">The HTTP client for <c>/metrics</c>.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The pipeline figures with <see cref="ScenarioResult.Alerts"/>.</returns>
    public static async Task<ScenarioResult> RunAsync(LoadOptions options, IReadOnlyList<string> clips, int cameras, ChildProcesses children, HttpClient http, CancellationToken cancellationToken)
    {
        await using var subscriber = new AlertSubscriber();
        var settings = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["Alerting:DwellSeconds"] = 0,
            ["Alerting:HoldSeconds"] = options.AlertHoldSeconds,
            ["Scoring:BaselineMinSeconds"] = options.AlertBaselineMinSeconds,
        };
        var loop = LoopSeconds(options);
        var hooks = new DaemonRunHooks
        {
            Kind = "alert-latency",
            WindowSeconds = options.AlertSeconds,

            // At least one loop, so every camera has seen its neutral face (the baseline) before the window opens.
            MinWarmupSeconds = loop,
            Configure = (root, names) =>
            {
                for (var i = 0; i < names.Length; i++)
                {
                    root["Cameras"]![names[i]]!["Url"] = clips[i % clips.Count];
                }

                root["Alerting"] = new JsonObject { ["DwellSeconds"] = 0, ["HoldSeconds"] = options.AlertHoldSeconds };
                root["Scoring"]!["BaselineMinSeconds"] = options.AlertBaselineMinSeconds;
            },
            OnReadyAsync = (port, ct) => subscriber.ConnectAsync(port, AlertsTopic, ct),
            OnWindowStart = subscriber.StartWindow,
            OnWindowEnd = subscriber.EndWindow,
            OnMeasured = (result, before, after) => result with
            {
                Alerts = Figures(before, after, subscriber, clips, loop, settings),
            },
        };

        return await PipelineScenario.RunAsync(options, new SourceSize(options.Analysis.Width, options.Analysis.Height), clips[0], cameras, children, http, cancellationToken, hooks);
    }

    private static AlertLatencyFigures Figures(PromScrape before, PromScrape after, AlertSubscriber subscriber, IReadOnlyList<string> clips, double loop, IReadOnlyDictionary<string, double> settings)
    {
        var all = PromScrape.Delta(after.Histogram(LatencyBuckets), before.Histogram(LatencyBuckets));
        var fresh = PromScrape.Delta(after.Histogram(LatencyBuckets, "type", "new"), before.Histogram(LatencyBuckets, "type", "new"));
        var countAfter = after.SumBy(LatencyCount, "type");
        var countBefore = before.SumBy(LatencyCount, "type");
        var byType = countAfter.ToDictionary(kv => kv.Key, kv => (long)(kv.Value - countBefore.GetValueOrDefault(kv.Key)), StringComparer.Ordinal);
        var direct = subscriber.EmitToReceiptMs();
        direct.Sort();
        return new AlertLatencyFigures
        {
            Note = after.Has(LatencyBuckets) ? null : $"the daemon exports no {LatencyBuckets}: it predates the metric, publish it again (bench/run --rebuild-daemon)",
            Clips = [.. clips.Select(Path.GetFileName).OfType<string>()],
            LoopSeconds = loop,
            Settings = settings,
            TimedByType = byType,
            P50Ms = PromScrape.Quantile(all, 0.50) * 1000,
            P95Ms = PromScrape.Quantile(all, 0.95) * 1000,
            MaxBoundMs = MaxBound(all) * 1000,
            NewP50Ms = PromScrape.Quantile(fresh, 0.50) * 1000,
            NewP95Ms = PromScrape.Quantile(fresh, 0.95) * 1000,
            Received = direct.Count,
            EmitToSubscriberP50Ms = Percentile(direct, 0.50),
            EmitToSubscriberP95Ms = Percentile(direct, 0.95),
            EmitToSubscriberMaxMs = direct.Count == 0 ? null : direct[^1],
        };
    }

    /// <summary>The upper bound of the highest bucket that gained observations (the largest value is at most this).</summary>
    private static double? MaxBound(List<(double UpperBound, double Count)> buckets)
    {
        if (buckets.Count == 0 || buckets[^1].Count <= 0)
        {
            return null;
        }

        var total = buckets[^1].Count;
        return buckets.First(b => b.Count >= total).UpperBound;
    }

    /// <summary>Linear interpolation between order statistics (type 7), on sorted values.</summary>
    private static double? Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var h = (sorted.Count - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    private static async Task RunAsync(ChildProcesses children, string file, string[] arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = children.Start(info);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            await children.StopAsync(process, graceful: false, TimeSpan.Zero);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {await stdout}{await stderr}");
        }
    }

    /// <summary>The tool's own MQTT subscriber: the receipt time of every alert event, for the exact emit → subscriber delay.</summary>
    private sealed class AlertSubscriber : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly List<(DateTimeOffset Received, byte[] Payload)> _messages = [];
        private DateTimeOffset _windowStart = DateTimeOffset.MaxValue;
        private DateTimeOffset _windowEnd = DateTimeOffset.MaxValue;

        public async Task ConnectAsync(int port, string topic, CancellationToken cancellationToken)
        {
            _client.ApplicationMessageReceivedAsync += args =>
            {
                // Stamped first thing in MQTTnet's receive handler; the payload is parsed after the run.
                var received = DateTimeOffset.UtcNow;
                lock (_messages)
                {
                    _messages.Add((received, args.ApplicationMessage.Payload.ToArray()));
                }

                return Task.CompletedTask;
            };
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId("painstream-load-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
                .WithCleanStart()
                .Build();
            await _client.ConnectAsync(options, cancellationToken);
            await _client.SubscribeAsync(topic, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
        }

        public void StartWindow() => _windowStart = DateTimeOffset.UtcNow;

        public void EndWindow() => _windowEnd = DateTimeOffset.UtcNow;

        /// <summary>Receipt − <c>ts</c> of every event received inside the window, in ms.</summary>
        public List<double> EmitToReceiptMs()
        {
            List<(DateTimeOffset Received, byte[] Payload)> messages;
            lock (_messages)
            {
                messages = [.. _messages];
            }

            var delays = new List<double>(messages.Count);
            foreach (var (received, payload) in messages)
            {
                if (received < _windowStart || received > _windowEnd)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(payload);
                if (json.RootElement.TryGetProperty("ts", out var ts) && ts.TryGetDateTimeOffset(out var emitted))
                {
                    delays.Add((received - emitted).TotalMilliseconds);
                }
            }

            return delays;
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                try
                {
                    await _client.DisconnectAsync();
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
                {
                    // By design: the broker may already be gone with the daemon.
                }
            }

            _client.Dispose();
        }
    }
}
