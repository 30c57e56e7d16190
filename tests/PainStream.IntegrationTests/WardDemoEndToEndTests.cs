// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// The four-bed ward demo end to end (issue 12 item 3): the ward clip made by <c>demo-clip --scene ward</c>, served at
/// 1920×1080 by the real GStreamer RTSP server, watched by the built daemon with the four beds of <c>config/ward.json</c>
/// and its analysis mode (each bed cut from the 1920×1080 picture), publishing to a real Mosquitto broker.
/// </summary>
[Collection(DaemonTestGroup.Name)]
public sealed class WardDemoEndToEndTests(WardClip clip) : IClassFixture<WardClip>
{
    private const string Camera = "ward";
    private const string AlertsTopic = "painstream/alerts";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WardClip_TwoLoops_OneEpisodePerGrimaceOnTheGrimacingBed_AndNoAlertOnTheOtherThree()
    {
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);

        // The clip twice in one file (the server plays a file once per session).
        await using var camera = await RtspServer.StartAsync(video: clip.TwoLoops, width: 1920, height: 1080, fps: 10, cancellationToken: Ct);
        await using var daemon = DaemonProcess.Start(WardConfig(camera.Url, Scenario.ExternalBroker(broker.Port)));

        // Loop one: the grimace's episode opens and closes on bed-1.
        var loopTimeout = TimeSpan.FromSeconds(WardClip.Seconds + 40);
        var first = await probe.WaitForAsync(m => IsEvent(m, "new"), timeout: loopTimeout);
        Assert.True(Scenario.Json(first, "bed") == "bed-1" && Scenario.Json(first, "reason") == "pain", Describe(probe.Messages));
        var firstId = Scenario.Json(first, "id")!;
        await probe.WaitForAsync(m => IsEvent(m, "end") && Scenario.Json(m, "id") == firstId, first.Index, TimeSpan.FromSeconds(40));

        // Loop two: the second grimace's episode, then a few more seconds of the neutral beds' movements.
        var second = await probe.WaitForAsync(m => IsEvent(m, "new") && Scenario.Json(m, "id") != firstId, first.Index, loopTimeout);
        var secondId = Scenario.Json(second, "id")!;
        var last = await probe.WaitForAsync(m => IsEvent(m, "end") && Scenario.Json(m, "id") == secondId, second.Index, TimeSpan.FromSeconds(40));
        await probe.SyncAsync(Ct);

        // Exactly one episode per grimace, each new → (updates) → end, all on bed-1, for reason pain (up to the second
        // end: the file ends a few seconds later and the camera then goes offline, which is not what is tested here).
        var messages = probe.Messages.Where(m => m.Index <= last.Index).ToList();
        var events = messages.Where(m => m.Topic == AlertsTopic).Select(Event).ToList();
        Assert.All(events, e => Assert.True(e.Bed == "bed-1" && e.Reason == "pain", $"alert on {e.Bed} ({e.Reason}):\n{Describe(messages)}"));
        Assert.Equal([firstId, secondId], events.Select(e => e.Id).Distinct());
        foreach (var id in new[] { firstId, secondId })
        {
            var episode = events.Where(e => e.Id == id).ToList();
            Assert.Equal("new", episode[0].Type);
            Assert.Equal("end", episode[^1].Type);
            Assert.All(episode.Skip(1).SkipLast(1), e => Assert.Equal("update", e.Type));
        }

        // The other three beds were watched the whole time (scored, not just present), and never left "none".
        foreach (var bed in WardClip.Beds.Skip(1))
        {
            var scores = messages.Where(m => m.Topic == $"painstream/{Camera}/{bed}/score").ToList();
            var scored = scores.Count(m => Scenario.Json(m, "quality") == "ok");
            Assert.True(scored >= 20, $"{bed}: {scored} scored samples of {scores.Count}:\n{string.Join('\n', scores.Select(m => m.Payload))}");
            Assert.DoesNotContain(messages, m => m.Topic == $"painstream/{Camera}/{bed}/alert" && Scenario.Json(m, "state") != "none");
        }

        // Their movements happened in the stream: a head turn or an eye closure changes what the scorer reads, so the
        // neutral beds' readings are not all one value (a frozen stream would give identical samples).
        foreach (var bed in WardClip.Beds.Skip(1))
        {
            var readings = messages.Where(m => m.Topic == $"painstream/{Camera}/{bed}/score").Select(m => Scenario.Json(m, "quality") + Scenario.Json(m, "pspi")).Distinct().Count();
            Assert.True(readings > 1, $"{bed}: every sample reads the same");
        }

        Assert.DoesNotContain("Alert New Pain on ward/bed-2", daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Alert New Pain on ward/bed-3", daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Alert New Pain on ward/bed-4", daemon.Output, StringComparison.Ordinal);
    }

    /// <summary>The four beds of <c>config/ward.json</c> (read from the file, so the test checks the shipped layout), BlazeFace back, short dwell and hold.</summary>
    private static Dictionary<string, object> WardConfig(string url, Dictionary<string, object> mqtt)
    {
        using var shipped = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "config", "ward.json")));
        var beds = new Dictionary<string, object>();
        foreach (var bed in shipped.RootElement.GetProperty("Cameras").GetProperty(Camera).GetProperty("Beds").EnumerateObject())
        {
            beds[bed.Name] = bed.Value.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.GetDouble());
        }

        Assert.Equal(WardClip.Beds, beds.Keys);
        var camera = new Dictionary<string, object> { ["Url"] = url, ["Beds"] = beds };
        if (shipped.RootElement.GetProperty("Cameras").GetProperty(Camera).TryGetProperty("Analysis", out var analysis))
        {
            camera["Analysis"] = analysis.GetString()!;
        }

        var config = Scenario.Config(new() { [Camera] = camera }, mqtt);
        config["Detection"] = new Dictionary<string, object> { ["Detector"] = shipped.RootElement.GetProperty("Detection").GetProperty("Detector").GetString()! };
        config["Alerting"] = new Dictionary<string, object>
        {
            ["OnThreshold"] = 4,
            ["OffThreshold"] = 2.5,
            ["DwellSeconds"] = 3,
            ["HoldSeconds"] = 3,
        };
        config["Scoring"] = new Dictionary<string, object> { ["BaselineMinSeconds"] = 5 };
        return config;
    }

    /// <summary>The alert events and the beds' score summaries (the faces messages left out: they would drown the rest).</summary>
    private static string Describe(IEnumerable<ProbeMessage> messages) =>
        string.Join('\n', messages.Where(m => !m.Topic.EndsWith("/faces", StringComparison.Ordinal)).Select(m => $"#{m.Index} {m.Topic}: {m.Payload}"));

    private static bool IsEvent(ProbeMessage message, string type) =>
        message.Topic == AlertsTopic && Scenario.Json(message, "type") == type;

    private static (string Id, string Type, string? Bed, string? Reason) Event(ProbeMessage message)
    {
        using var doc = JsonDocument.Parse(message.Payload);
        var root = doc.RootElement;
        return (root.GetProperty("id").GetString()!, root.GetProperty("type").GetString()!, root.GetProperty("bed").GetString(), root.GetProperty("reason").GetString());
    }
}
