// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// Pain alerts end to end: the built daemon watches a real face over a real GStreamer RTSP server (the grimace clip made
/// by <c>painstream demo-clip</c>, or a still neutral face) and publishes to a real Mosquitto broker; everything is
/// observed from outside (MQTT, the daemon's log, its configuration file). Every payload is checked against docs/schemas.
/// </summary>
[Collection(DaemonTestGroup.Name)]
public sealed partial class PainAlertEndToEndTests(GrimaceClip clip) : IClassFixture<GrimaceClip>
{
    private const string Camera = "ward1";
    private const string AlertsTopic = "painstream/alerts";
    private const string BedAlertTopic = "painstream/ward1/bed/alert";
    private const string ScoreTopic = "painstream/ward1/bed/score";

    /// <summary>Neutral 14 s (baseline learnt in 5 s), ramp, grimace 10 s, dwell 3 s: the alert comes ≈ 20 s into the clip.</summary>
    private static readonly TimeSpan NewTimeout = TimeSpan.FromSeconds(75);

    /// <summary>The grimace ends ≈ 10 s after the alert, then smoothing and a 3 s hold.</summary>
    private static readonly TimeSpan EndTimeout = TimeSpan.FromSeconds(45);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GrimaceClip_WithMosquitto_PublishesExactlyOneEpisodeNewThenEnd_AndEveryPayloadMatchesItsSchema()
    {
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var camera = await StartClipCameraAsync();
        await using var daemon = DaemonProcess.Start(PainConfig(camera.Url, Scenario.ExternalBroker(broker.Port)));

        var started = await probe.WaitForAsync(m => IsEvent(m, "new"), timeout: NewTimeout);
        var id = Scenario.Json(started, "id")!;
        var ended = await probe.WaitForAsync(m => IsEvent(m, "end") && Scenario.Json(m, "id") == id, started.Index, EndTimeout);
        await probe.WaitForAsync(m => m.Topic == BedAlertTopic && Scenario.Json(m, "state") == "none", ended.Index, TimeSpan.FromSeconds(10));
        await probe.SyncAsync(Ct);

        // One episode, one id, in order: new, (updates), end; the daemon logged exactly the events that arrived.
        var events = Events(probe.Messages);
        Assert.All(events, e => Assert.Equal(id, e.Id));
        Assert.Equal("new", events[0].Type);
        Assert.Equal("end", events[^1].Type);
        Assert.All(events.Skip(1).SkipLast(1), e => Assert.Equal("update", e.Type));
        Assert.Equal(events.Select(e => e.Seq).Order(), events.Select(e => e.Seq));
        Assert.Equal(events.Count, events.Select(e => e.Seq).Distinct().Count());
        Assert.Equal(LoggedEvents(daemon.Output, id), events.Count);

        // What the nurse sees: a real pain score well above the threshold, explained by action units, for this bed.
        using (var alert = JsonDocument.Parse(started.Payload))
        {
            var root = alert.RootElement;
            Assert.Equal(Camera, root.GetProperty("camera").GetString());
            Assert.Equal("bed", root.GetProperty("bed").GetString());
            Assert.Equal("pain", root.GetProperty("reason").GetString());
            Assert.Equal("geometric", root.GetProperty("model").GetString());
            Assert.True(root.GetProperty("peak").GetDouble() >= 4, started.Payload);
            Assert.Equal(JsonValueKind.Object, root.GetProperty("explanation").ValueKind);
        }

        // Before the grimace the same face scored as no pain against its own learnt baseline.
        var scores = Scores(probe.Messages.Where(m => m.Index < started.Index));
        Assert.Contains(scores, s => s.Quality == "learning baseline" && s.Pspi is null);
        var neutral = scores.Where(s => s.Quality == "ok").ToList();
        Assert.True(neutral.Count >= 3, probe.Describe());
        Assert.True(neutral.Take(3).All(s => s.Pspi < 1), string.Join(", ", neutral.Select(s => s.Pspi)));

        await AssertEveryPayloadMatchesItsSchemaAsync(probe.Messages);
    }

    /// <summary>
    /// Issue 14 item 3: the same clip with <c>Capture:PixelFormat</c> = <c>i420</c> (ffmpeg delivers yuv420p; the detector,
    /// landmarks and aligner read the planes) learns the baseline and raises and ends the same pain alert.
    /// </summary>
    [Fact]
    public async Task GrimaceClip_CapturedAsI420_PublishesThePainAlertNewThenEnd()
    {
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var camera = await StartClipCameraAsync();
        var config = PainConfig(camera.Url, Scenario.ExternalBroker(broker.Port));
        ((Dictionary<string, object>)config["Capture"])["PixelFormat"] = "i420";
        await using var daemon = DaemonProcess.Start(config);

        var started = await probe.WaitForAsync(m => IsEvent(m, "new"), timeout: NewTimeout);
        var id = Scenario.Json(started, "id")!;
        await probe.WaitForAsync(m => IsEvent(m, "end") && Scenario.Json(m, "id") == id, started.Index, EndTimeout);

        // The daemon's ffmpeg for this camera (its URL has this test's port) was asked for yuv420p.
        Assert.Contains(FfmpegCommandLines(camera.Url), c => c.Contains("-pix_fmt yuv420p -f rawvideo pipe:1", StringComparison.Ordinal));
        using (var alert = JsonDocument.Parse(started.Payload))
        {
            Assert.Equal("pain", alert.RootElement.GetProperty("reason").GetString());
            Assert.True(alert.RootElement.GetProperty("peak").GetDouble() >= 4, started.Payload);
        }

        var neutral = Scores(probe.Messages.Where(m => m.Index < started.Index)).Where(s => s.Quality == "ok").ToList();
        Assert.True(neutral.Count >= 3, probe.Describe());
        Assert.True(neutral.Take(3).All(s => s.Pspi < 1), string.Join(", ", neutral.Select(s => s.Pspi)));
    }

    [Fact]
    public async Task GrimaceClip_WithTheExampleModelSelectedForTheCamera_DrivesTheSameAlertFlow()
    {
        // models/train-example (run by scripts/setup) trains it; the daemon loads it from Scoring:Models and the camera
        // selects it with one line, as an integrator deploys a model.
        var model = Path.Combine(TestPaths.Models, "example", "painstream-example-synthetic.onnx");
        Assert.True(File.Exists(model), $"{model} is missing: scripts/setup trains it (models/train-example)");
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var camera = await StartClipCameraAsync();
        var config = PainConfig(camera.Url, Scenario.ExternalBroker(broker.Port));
        ((Dictionary<string, object>)config["Scoring"])["Models"] = new Dictionary<string, object> { ["example"] = new Dictionary<string, object> { ["Path"] = model } };
        var cameras = (Dictionary<string, object>)config["Cameras"];
        ((Dictionary<string, object>)cameras[Camera])["Scorer"] = "onnx:example";

        // On the shared confidence scale the example model's readings of the demo clip sit at 0.38–0.41 (neutral) and
        // about 0.49 (grimace), still under the default 0.5 (measured with the default, 2026-12-06): its camera keeps the
        // MinConfidence the README gives for it (per-camera Alerting override, as an integrator would set it).
        ((Dictionary<string, object>)cameras[Camera])["Alerting"] = new Dictionary<string, object> { ["MinConfidence"] = 0.3 };
        await using var daemon = DaemonProcess.Start(config);

        var started = await probe.WaitForAsync(m => IsEvent(m, "new"), timeout: NewTimeout);
        var id = Scenario.Json(started, "id")!;
        var ended = await probe.WaitForAsync(m => IsEvent(m, "end") && Scenario.Json(m, "id") == id, started.Index, EndTimeout);
        await probe.SyncAsync(Ct);
        Assert.True(Scenario.Json(started, "reason") == "pain", probe.Describe());

        var events = Events(probe.Messages);
        Assert.All(events, e => Assert.Equal(id, e.Id));
        Assert.Equal("new", events[0].Type);
        Assert.Equal("end", events[^1].Type);
        Assert.Equal(events.Select(e => e.Seq).Order(), events.Select(e => e.Seq));
        Assert.Equal(LoggedEvents(daemon.Output, id), events.Count);
        using (var alert = JsonDocument.Parse(started.Payload))
        {
            var root = alert.RootElement;
            Assert.Equal("onnx:example", root.GetProperty("model").GetString());
            Assert.Equal("pain", root.GetProperty("reason").GetString());
            Assert.True(root.GetProperty("peak").GetDouble() >= 4, started.Payload);
        }

        // The learned model's explanation on every new/update event: the share of its class activation map per facial region.
        foreach (var message in probe.Messages.Where(m => m.Index >= started.Index && m.Index < ended.Index && (IsEvent(m, "new") || IsEvent(m, "update"))))
        {
            using var doc = JsonDocument.Parse(message.Payload);
            var regions = doc.RootElement.GetProperty("explanation").GetProperty("regions");
            Assert.Equal(["brow", "eyes", "mouth", "nose_upper_lip"], regions.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
            Assert.Equal(1, regions.EnumerateObject().Sum(r => r.Value.GetDouble()), 0.01);
        }

        // No baseline to learn: the model scores the neutral face from the first frames, low.
        var neutral = Scores(probe.Messages.Where(m => m.Index < started.Index)).Where(s => s.Quality == "ok").ToList();
        Assert.True(neutral.Count >= 3, probe.Describe());
        Assert.True(neutral.Take(3).All(s => s.Pspi < 2.5), string.Join(", ", neutral.Select(s => s.Pspi)));
        Assert.Contains("Pain model painstream-example-synthetic", daemon.Output, StringComparison.Ordinal);
        await AssertEveryPayloadMatchesItsSchemaAsync(probe.Messages);
    }

    [Fact]
    public async Task StillNeutralFace_IsScoredWithoutEverAlerting()
    {
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var camera = await RtspServer.StartAsync(image: clip.NeutralFrame, width: 640, height: 360, fps: 10, cancellationToken: Ct);
        await using var daemon = DaemonProcess.Start(PainConfig(camera.Url, Scenario.ExternalBroker(broker.Port)));

        // Baseline (5 s) then 15 scored seconds: longer than dwell + smoothing, so a false alarm would have shown.
        var deadline = Stopwatch.StartNew();
        for (var scored = 0; scored < 15;)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"only {scored} scored seconds within a minute:\n{probe.Describe()}");
            var message = await probe.WaitForAsync(m => m.Topic == ScoreTopic, probe.Count, TimeSpan.FromSeconds(10));
            scored += Scores([message]).Count(s => s.Quality == "ok");
        }

        await probe.SyncAsync(Ct);
        Assert.DoesNotContain(probe.Messages, m => m.Topic == AlertsTopic);
        var ok = Scores(probe.Messages).Where(s => s.Quality == "ok").ToList();
        Assert.All(ok, s => Assert.True(s.Pspi < 2 && s.Level == "idle", $"pspi {s.Pspi} level {s.Level}"));
        Assert.DoesNotContain("Alert New", daemon.Output, StringComparison.Ordinal);
        await AssertEveryPayloadMatchesItsSchemaAsync(probe.Messages);
    }

    [Fact]
    public async Task Thresholds_HotReloaded_TakeEffectWithoutDroppingTheStream_AndABadEditKeepsTheLastGood()
    {
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var camera = await StartClipCameraAsync();

        // An on-threshold of 16 (the PSPI maximum) cannot be reached by the smoothed score: no alert until it is lowered.
        var config = PainConfig(camera.Url, Scenario.ExternalBroker(broker.Port), onThreshold: 16);
        await using var daemon = DaemonProcess.Start(config);
        await probe.WaitForAsync(m => m.Topic == ScoreTopic && Scenario.Json(m, "quality") == "ok", timeout: Scenario.StartTimeout);
        var ffmpeg = Assert.Single(ProcessScan.Find(camera.Marker, "ffmpeg").Live).Pid;

        var alerting = (Dictionary<string, object>)config["Alerting"];
        alerting["OnThreshold"] = 2;
        alerting["OffThreshold"] = 3;
        await File.WriteAllTextAsync(daemon.ConfigFile, JsonSerializer.Serialize(config), Ct);
        var output = await daemon.WaitForOutputAsync("Configuration reload rejected", TimeSpan.FromSeconds(15), Ct);
        Assert.Contains("OffThreshold (3) must be less than OnThreshold (2)", output, StringComparison.Ordinal);

        var mark = probe.Count;
        alerting["OnThreshold"] = 4;
        alerting["OffThreshold"] = 2.5;
        await File.WriteAllTextAsync(daemon.ConfigFile, JsonSerializer.Serialize(config), Ct);
        await daemon.WaitForOutputAsync("Configuration reloaded", TimeSpan.FromSeconds(15), Ct);
        Assert.DoesNotContain(probe.Messages, m => m.Topic == AlertsTopic);

        var started = await probe.WaitForAsync(m => IsEvent(m, "new"), mark, NewTimeout);
        Assert.True(double.Parse(Scenario.Json(started, "peak")!, CultureInfo.InvariantCulture) >= 4, started.Payload);

        // The thresholds changed under a running stream: same ffmpeg, camera never offline.
        Assert.Equal(ffmpeg, Assert.Single(ProcessScan.Find(camera.Marker, "ffmpeg").Live).Pid);
        Assert.DoesNotContain(probe.Messages, m => Scenario.IsStatus(m, Camera, "offline"));
    }

    [Fact]
    public async Task BrokerStoppedDuringTheEpisode_EveryEventIsDeliveredInOrderWhenItReturns()
    {
        await using var broker = await Mosquitto.StartPersistentAsync(Ct);

        // A dashboard with a persistent session: the broker keeps its subscription and queues QoS 1 messages for it.
        var session = "dashboard-" + Guid.NewGuid().ToString("N")[..8];
        var before = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", session: session, cancellationToken: Ct);
        await using var camera = await StartClipCameraAsync();
        await using var daemon = DaemonProcess.Start(PainConfig(camera.Url, Scenario.ExternalBroker(broker.Port)));

        ProbeMessage started;
        try
        {
            started = await before.WaitForAsync(m => IsEvent(m, "new"), timeout: NewTimeout);
            await broker.StopAsync();
        }
        finally
        {
            await before.DisposeAsync();
        }

        // The episode ends while the broker is away: the daemon stores the events and keeps going.
        var id = Scenario.Json(started, "id")!;
        await daemon.WaitForOutputAsync($"Alert End Pain on {Camera}/bed id {id}", EndTimeout, Ct);
        await broker.StartAgainAsync(Ct);
        await using var after = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", session: session, cancellationToken: Ct);
        await after.WaitForAsync(m => IsEvent(m, "end") && Scenario.Json(m, "id") == id, timeout: TimeSpan.FromSeconds(30));
        await after.SyncAsync(Ct);

        AssertDeliveredInOrder(id, [.. before.Messages, .. after.Messages], daemon.Output);
        await AssertEveryPayloadMatchesItsSchemaAsync(after.Messages);
    }

    [Fact]
    public async Task DaemonSigkilledWithEventsQueued_DeliversThemAfterRestart()
    {
        using var state = new TempDirectory("painstream-kill-");
        var port = FreePort.Get();
        await using var camera = await StartClipCameraAsync();
        var config = PainConfig(camera.Url, Scenario.ExternalBroker(port));
        ((Dictionary<string, object>)config["Mqtt"])["OutboxPath"] = state.File("outbox.db");
        ((Dictionary<string, object>)config["Scoring"])["StateDirectory"] = state.File("state");

        // No broker at all: a whole episode goes into the outbox; then the daemon dies without any clean-up.
        string id;
        string firstOutput;
        await using (var first = DaemonProcess.Start(config))
        {
            var output = await first.WaitForOutputAsync("Alert End Pain", NewTimeout + EndTimeout, Ct);
            id = AlertEndId().Match(output).Groups["id"].Value;
            await first.KillAsync();
            firstOutput = first.Output;
        }

        await using var broker = await Mosquitto.StartAsync(port, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var second = DaemonProcess.Start(config);
        await probe.WaitForAsync(m => IsEvent(m, "end") && Scenario.Json(m, "id") == id, timeout: Scenario.StartTimeout);
        await probe.SyncAsync(Ct);

        AssertDeliveredInOrder(id, probe.Messages, firstOutput);
        Assert.Contains("messages queued", second.Output, StringComparison.Ordinal);
        await AssertEveryPayloadMatchesItsSchemaAsync(probe.Messages);
    }

    private static Dictionary<string, object> PainConfig(string url, Dictionary<string, object> mqtt, double onThreshold = 4)
    {
        var config = Scenario.Config(new() { [Camera] = new Dictionary<string, object> { ["Url"] = url } }, mqtt);
        config["Alerting"] = new Dictionary<string, object>
        {
            ["OnThreshold"] = onThreshold,
            ["OffThreshold"] = 2.5,
            ["DwellSeconds"] = 3,
            ["HoldSeconds"] = 3,
        };
        config["Scoring"] = new Dictionary<string, object> { ["BaselineMinSeconds"] = 5 };
        return config;
    }

    /// <summary>The command lines of the running processes that read <paramref name="url"/> (the daemon's ffmpeg children).</summary>
    private static List<string> FfmpegCommandLines(string url)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var line = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (line.Contains(url, StringComparison.Ordinal) && line.Contains("rawvideo", StringComparison.Ordinal))
                {
                    found.Add(line);
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return found;
    }

    private static bool IsEvent(ProbeMessage message, string type) =>
        message.Topic == AlertsTopic && Scenario.Json(message, "type") == type;

    private static List<(string Id, string Type, long Seq)> Events(IEnumerable<ProbeMessage> messages) =>
        [.. messages.Where(m => m.Topic == AlertsTopic).Select(m =>
        {
            using var doc = JsonDocument.Parse(m.Payload);
            var root = doc.RootElement;
            return (root.GetProperty("id").GetString()!, root.GetProperty("type").GetString()!, root.GetProperty("seq").GetInt64());
        })];

    private static List<(double? Pspi, string? Quality, string? Level)> Scores(IEnumerable<ProbeMessage> messages) =>
        [.. messages.Where(m => m.Topic == ScoreTopic).Select(m =>
        {
            using var doc = JsonDocument.Parse(m.Payload);
            var root = doc.RootElement;
            var pspi = root.GetProperty("pspi");
            return (pspi.ValueKind == JsonValueKind.Number ? pspi.GetDouble() : (double?)null, root.GetProperty("quality").GetString(), root.GetProperty("level").GetString());
        })];

    /// <summary>How many events of episode <paramref name="id"/> the daemon logged (log event 1105, one per event).</summary>
    private static int LoggedEvents(string output, string id) => Regex.Count(output, $" id {id} priority ");

    /// <summary>
    /// Every event of episode <paramref name="id"/> the daemon logged arrived, in sequence order, starting with new and
    /// ending with end. At-least-once: a repeat of an (id, seq) already seen is allowed and ignored, as dashboards do.
    /// </summary>
    private static void AssertDeliveredInOrder(string id, IReadOnlyList<ProbeMessage> messages, string daemonOutput)
    {
        var delivered = Events(messages).Where(e => e.Id == id).ToList();
        var distinct = delivered.DistinctBy(e => e.Seq).ToList();
        Assert.True(distinct.Count > 0, string.Join('\n', messages.Select(m => m.Topic + " " + m.Payload)));
        Assert.Equal("new", distinct[0].Type);
        Assert.Equal("end", distinct[^1].Type);
        Assert.Equal(distinct.Select(e => e.Seq).Order(), distinct.Select(e => e.Seq));
        Assert.Equal(LoggedEvents(daemonOutput, id), distinct.Count);
    }

    private static async Task AssertEveryPayloadMatchesItsSchemaAsync(IEnumerable<ProbeMessage> messages)
    {
        var problems = new List<string>();
        foreach (var message in messages.Where(m => m.Payload.Length > 0 && m.Topic.StartsWith("painstream/", StringComparison.Ordinal)))
        {
            var schema = PayloadSchemas.ForTopic(message.Topic);
            if (schema is null)
            {
                problems.Add($"{message.Topic}: no schema for this topic");
            }
            else if (schema == PayloadSchemas.AvailableText)
            {
                if (message.Payload is not ("online" or "stopped" or "offline"))
                {
                    problems.Add($"{message.Topic}: '{message.Payload}'");
                }
            }
            else
            {
                problems.AddRange((await PayloadSchemas.ValidateAsync(schema, message.Payload)).Select(p => $"{message.Topic} {message.Payload}: {p}"));
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [GeneratedRegex("Alert End Pain on [^ ]+ id (?<id>[0-9a-f]+) ")]
    private static partial Regex AlertEndId();

    private Task<RtspServer> StartClipCameraAsync() =>
        RtspServer.StartAsync(video: clip.Path, width: 640, height: 360, fps: 10, cancellationToken: Ct);
}
