// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// Keyframes decode mode end to end (issue 17): the bundled demo grimace clip, re-encoded by the real RTSP server with a 1 s
/// GOP, watched by one daemon through two cameras on the same stream, one decoding every frame and one key frames only;
/// alerts observed on a real Mosquitto broker.
/// </summary>
[Collection(DaemonTestGroup.Name)]
public sealed class KeyframeEndToEndTests
{
    private const string AllCamera = "ward-all";
    private const string KeyframeCamera = "ward-kf";
    private const string AlertsTopic = "painstream/alerts";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DemoClipWithOneSecondGop_KeyframesMode_RaisesTheSameSingleEpisodeWithinOneGopOfAllMode()
    {
        var clip = Path.Combine(TestPaths.RepoRoot, "data", "demo", "demo.mp4");
        Assert.True(File.Exists(clip), $"{clip} is missing: scripts/setup makes it (painstream demo-clip)");
        const double gop = 1;
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);

        // Non-shared media: each camera's connection plays the clip from its start, so both see the same timeline.
        await using var camera = await RtspServer.StartAsync(video: clip, width: 640, height: 360, fps: 10, gopSeconds: gop, cancellationToken: Ct);
        var cameras = new Dictionary<string, object>
        {
            [AllCamera] = new Dictionary<string, object> { ["Url"] = camera.Url, ["DecodeMode"] = "all" },
            [KeyframeCamera] = new Dictionary<string, object> { ["Url"] = camera.Url, ["DecodeMode"] = "keyframes" },
        };
        var config = Scenario.Config(cameras, Scenario.ExternalBroker(broker.Port));
        config["Alerting"] = new Dictionary<string, object>
        {
            ["OnThreshold"] = 4,
            ["OffThreshold"] = 2.5,
            ["DwellSeconds"] = 3,
            ["HoldSeconds"] = 3,
        };
        config["Scoring"] = new Dictionary<string, object> { ["BaselineMinSeconds"] = 5 };
        await using var daemon = DaemonProcess.Start(config);

        // The clip: 12 s neutral, 1 s ramp, 18 s grimace (eyes closing), 1 s ramp, 20 s neutral; both episodes end in it.
        var endAll = await probe.WaitForAsync(m => IsEvent(m, AllCamera, "end"), timeout: TimeSpan.FromSeconds(90));
        var endKf = await probe.WaitForAsync(m => IsEvent(m, KeyframeCamera, "end"), timeout: TimeSpan.FromSeconds(30));
        await probe.SyncAsync(Ct);

        var all = Episode(probe.Messages, AllCamera);
        var kf = Episode(probe.Messages, KeyframeCamera);
        var onlineAll = OnlineSince(probe.Messages, AllCamera);
        var onlineKf = OnlineSince(probe.Messages, KeyframeCamera);
        var intoAll = (all.StartedAt - onlineAll).TotalSeconds;
        var intoKf = (kf.StartedAt - onlineKf).TotalSeconds;
        var lengthAll = (all.EndedAt - all.StartedAt).TotalSeconds;
        var lengthKf = (kf.EndedAt - kf.StartedAt).TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"all: episode {intoAll:0.00} s into the stream, {lengthAll:0.0} s long, peak {all.Peak:0.0}; keyframes: {intoKf:0.00} s, {lengthKf:0.0} s, peak {kf.Peak:0.0}"));

        // The same single pain episode on both cameras, starting within one GOP of each other. Both connections play the
        // clip from its start at the same moment; the keyframe camera's first frame comes later (ffmpeg probes the stream
        // with non-key frames skipped), so the episodes are compared on the daemon's clock, not from each camera's online.
        Assert.Equal("pain", all.Reason);
        Assert.Equal("pain", kf.Reason);
        var apart = (kf.StartedAt - all.StartedAt).TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"keyframes episode started {apart:0.00} s after the all-frames one; ended {(kf.EndedAt - all.EndedAt).TotalSeconds:0.00} s after"));
        Assert.InRange(apart, -gop, gop);
        Assert.True(kf.Peak >= 4, probe.Describe());

        // The keyframe camera reported its measured GOP and mode in its retained status.
        var status = probe.Messages.Last(m => m.Topic == $"painstream/{KeyframeCamera}/status" && Scenario.Json(m, "keyframeInterval") is { Length: > 0 });
        Assert.Equal("keyframes", Scenario.Json(status, "decodeMode"));
        Assert.Equal(gop, double.Parse(Scenario.Json(status, "keyframeInterval")!, CultureInfo.InvariantCulture), 0.05);
        Assert.DoesNotContain(probe.Messages, m => Scenario.IsStatus(m, KeyframeCamera, "offline"));
        Assert.Contains($"Camera {KeyframeCamera}: key frame every 1 s", daemon.Output, StringComparison.Ordinal);
    }

    private static bool IsEvent(ProbeMessage message, string camera, string type) =>
        message.Topic == AlertsTopic && Scenario.Json(message, "camera") == camera && Scenario.Json(message, "type") == type;

    /// <summary>The camera's only episode: one id, new first, end last, nothing else for that camera.</summary>
    private static (string Reason, DateTimeOffset StartedAt, DateTimeOffset EndedAt, double Peak) Episode(IReadOnlyList<ProbeMessage> messages, string camera)
    {
        var events = messages.Where(m => m.Topic == AlertsTopic && Scenario.Json(m, "camera") == camera).ToList();
        Assert.True(events.Count >= 2, $"{camera}: {events.Count} alert events");
        var ids = events.Select(m => Scenario.Json(m, "id")).Distinct().ToList();
        Assert.True(ids.Count == 1, $"{camera}: {ids.Count} episodes: " + string.Join(" | ", events.Select(e => e.Payload)));
        Assert.Equal("new", Scenario.Json(events[0], "type"));
        Assert.Equal("end", Scenario.Json(events[^1], "type"));
        Assert.All(events.Skip(1).SkipLast(1), e => Assert.Equal("update", Scenario.Json(e, "type")));
        using var first = JsonDocument.Parse(events[0].Payload);
        using var last = JsonDocument.Parse(events[^1].Payload);
        return (
            first.RootElement.GetProperty("reason").GetString()!,
            first.RootElement.GetProperty("startedAt").GetDateTimeOffset(),
            last.RootElement.GetProperty("ts").GetDateTimeOffset(),
            last.RootElement.GetProperty("peak").GetDouble());
    }

    private static DateTimeOffset OnlineSince(IReadOnlyList<ProbeMessage> messages, string camera)
    {
        var online = messages.First(m => Scenario.IsStatus(m, camera, "online"));
        return DateTimeOffset.Parse(Scenario.Json(online, "since")!, CultureInfo.InvariantCulture);
    }
}
