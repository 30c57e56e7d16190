// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Nodes;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>
/// The MQTT contract end to end: a real publisher on the embedded broker goes through episodes, a technical alarm,
/// scores and commands, a subscriber captures every message, and every payload is validated against docs/schemas.
/// </summary>
public sealed class AlertContractTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Contract_EveryPublishedPayload_ValidatesAgainstItsSchema()
    {
        await using var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct, configure: TestBroker.AsIntegrator);
        var handler = new RecordingCommandHandler { Answer = c => c.Bed == "bed-99" ? AlertCommandResult.Fail("unknown bed 'bed-99'") : AlertCommandResult.Success };
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-contract"), handler);
        await harness.StartAsync();
        await probe.WaitForAsync("painstream/available", "online");

        // Every kind of message the daemon sends.
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("ward3", CameraState.Offline, "rtsp timeout", reconnects: 2));
        harness.Publisher.PublishFaces(PublisherHarness.Faces("ward3", 7, faces: 2));
        harness.Publisher.PublishStats(new PainStreamStats(PublisherHarness.T0, 12.5, [new CameraStats("ward3", "online", 5, 100, 99, 1, 0, double.NaN)], new Dictionary<string, int> { ["frames"] = 1, ["outbox"] = 0 }, 3));
        var events = AlertScenario.PainWithTechnicalAlarm();
        Assert.Contains(events, e => e is { Reason: AlertReason.Pain, Type: AlertEventType.Update, Cause: AlertCause.PeakRise });
        Assert.Contains(events, e => e is { Reason: AlertReason.Pain, Type: AlertEventType.Update, Cause: AlertCause.Acknowledged });
        Assert.Contains(events, e => e is { Reason: AlertReason.CameraOffline, Type: AlertEventType.New });
        Assert.Contains(events, e => e is { Reason: AlertReason.Pain, Type: AlertEventType.End, Cause: AlertCause.Snoozed });
        foreach (var e in events)
        {
            await harness.Publisher.EnqueueAlertAsync(e, Ct);
        }

        var camera = new CameraId("ward3");
        harness.Publisher.PublishScore(new ScoreReport(camera, "bed-12", PublisherHarness.T0, 8.123, 7.456, PainAlertState.Active, 0.91234, "ok", "geometric"));
        harness.Publisher.PublishScore(new ScoreReport(camera, "bed-12", PublisherHarness.T0.AddSeconds(1), null, null, PainAlertState.Idle, 0, "head turned away", "geometric"));
        harness.Publisher.PublishScore(new ScoreReport(camera, "bed-12", PublisherHarness.T0.AddSeconds(2), double.NaN, 3, PainAlertState.Pending, double.NaN, "ok", "geometric"));
        harness.Publisher.PublishScore(new ScoreReport(camera, "bed-12", PublisherHarness.T0.AddSeconds(3), 1, 2, PainAlertState.Ending, 1, "ok", "geometric"));

        // Commands, good and bad, as a dashboard would send them.
        (string Topic, string Payload)[] commands =
        [
            ("painstream/ward3/bed-12/ack", string.Empty),
            ("painstream/ward3/bed-12/ack", """{"by":"nurse-7"}"""),
            ("painstream/ward3/bed-12/snooze", """{"minutes":15,"by":"nurse-7"}"""),
            ("painstream/ward3/bed-12/baseline/reset", """{"by":"dr-who"}"""),
            ("painstream/ward3/bed-99/ack", string.Empty),
            ("painstream/ward3/bed-12/snooze", """{"minutes":1441}"""),
            ("painstream/ward3/bed-12/snooze", """{"minutes":"ten"}"""),
            ("painstream/ward3/bed-12/ack", """{"by":"x","extra":1}"""),
            ("painstream/ward3/bed-12/ack", "{not json"),
            ("painstream/Ward3/bed-12/ack", string.Empty),
        ];
        foreach (var (topic, payload) in commands)
        {
            await probe.PublishAsync(topic, payload, cancellationToken: Ct);
        }

        // Wait for everything: every event by seq, the scores and one reply per command.
        var alerts = await WaitForCountAsync(probe, m => m.Topic == "painstream/alerts", events.Count);
        await WaitForCountAsync(probe, m => m.Topic == "painstream/ward3/bed-12/score", 4);
        await WaitForCountAsync(probe, m => m.Topic.EndsWith("/reply", StringComparison.Ordinal), commands.Length);
        await probe.WaitForAsync(m => m.Topic == "painstream/ward3/status");
        await probe.WaitForAsync(m => m.Topic == "painstream/ward3/faces");
        await probe.WaitForAsync(m => m.Topic == "painstream/stats");
        await probe.SyncAsync(Ct);

        // 1. Every message on the prefix has a schema and validates against it; every schema was exercised.
        var failures = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var good = commands.Take(5).Select(c => c.Topic + " " + c.Payload).ToHashSet(StringComparer.Ordinal);
        foreach (var message in probe.Messages.Where(m => m.Topic.StartsWith("painstream/", StringComparison.Ordinal)))
        {
            var schema = PayloadSchemas.ForTopic(message.Topic);
            if (schema is null)
            {
                failures.Add($"no schema for topic {message.Topic}");
                continue;
            }

            seen.Add(schema);
            if (schema == PayloadSchemas.AvailableText)
            {
                Assert.Contains(message.Payload, (string[])["online", "stopped", "offline"]);
                continue;
            }

            if (schema is PayloadSchemas.CommandAck or PayloadSchemas.CommandSnooze && (message.Payload.Length == 0 || !good.Contains(message.Topic + " " + message.Payload)))
            {
                // Our own bad commands (and empty payloads, which JSON Schema cannot describe) are checked below.
                continue;
            }

            foreach (var problem in await PayloadSchemas.ValidateAsync(schema, message.Payload))
            {
                failures.Add($"{message.Topic} ({schema}): {problem}\n  {message.Payload}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(PayloadSchemas.All.Append(PayloadSchemas.AvailableText).Order(), seen.Order());

        // 2. The malformed commands our test sent really are invalid under their schemas: the schemas constrain something.
        foreach (var (topic, payload) in commands.Skip(5).Where(c => c.Payload.Length > 0 && c.Payload.StartsWith('{') && c.Payload.EndsWith('}')))
        {
            Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.ForTopic(topic)!, payload));
        }

        // 3. Content: events in order with increasing seq, the bed's state, the replies.
        var received = alerts.Select(m => JsonNode.Parse(m.Payload)!).ToList();
        Assert.Equal(events.Select(e => e.Id + AlertEventPayload.TypeName(e.Type)), received.Select(n => (string)n["id"]! + (string)n["type"]!));
        var seqs = received.Select(n => (long)n["seq"]!).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        var first = received[0];
        Assert.Equal("pain", (string)first["reason"]!);
        Assert.Equal("onset", (string)first["cause"]!);
        Assert.Equal("low", (string)first["priority"]!);
        Assert.Equal("geometric", (string)first["model"]!);
        Assert.Equal(2.346, (double)first["explanation"]!["au4"]!);
        Assert.EndsWith("Z", (string)first["ts"]!, StringComparison.Ordinal);
        Assert.Contains(received, n => (string)n["reason"]! == "camera_offline" && (string)n["type"]! == "new" && n["score"] is null);

        var states = probe.Messages.Where(m => m.Topic == "painstream/ward3/bed-12/alert").Select(m => JsonNode.Parse(m.Payload)!).ToList();
        Assert.Contains(states, s => (string)s["state"]! == "active" && (string)s["episode"]!["reason"]! == "pain"
            && s["technical"]!.AsArray().Any(t => (string)t!["reason"]! == "camera_offline"));
        Assert.Equal("none", (string)states[^1]["state"]!);
        Assert.Equal(seqs[^1], (long)states[^1]["seq"]!);

        var replies = probe.Messages.Where(m => m.Topic.EndsWith("/reply", StringComparison.Ordinal)).Select(m => (m.Topic, Json: JsonNode.Parse(m.Payload)!)).ToList();
        Assert.Equal(4, replies.Count(r => r.Topic == "painstream/ward3/bed-12/reply" && (bool)r.Json["ok"]!));
        Assert.Contains(replies, r => r.Topic == "painstream/ward3/bed-99/reply" && (string?)r.Json["error"] == "unknown bed 'bed-99'");
        Assert.Contains(replies, r => r.Topic == "painstream/Ward3/bed-12/reply" && ((string?)r.Json["error"])!.StartsWith("invalid camera id 'Ward3'", StringComparison.Ordinal));
        Assert.Equal(6, replies.Count(r => !(bool)r.Json["ok"]!));
        Assert.Equal(5, handler.Commands.Count);
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Schemas_WrongPayloads_FailValidation()
    {
        var alert = JsonSerializer.Serialize(AlertEventPayload.From(AlertScenario.Episode("ward3", "bed-1", 0)[0], 1), MqttJsonContext.Default.AlertEventPayload);
        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, alert));

        // Each mutation breaks one rule of the contract; a schema that let any of them through would make the contract test useless.
        string[] wrongAlerts =
        [
            Mutate(alert, n => n["type"] = "started"),
            Mutate(alert, n => n["reason"] = "cameraOffline"),
            Mutate(alert, n => n["priority"] = "urgent"),
            Mutate(alert, n => n["seq"] = "1"),
            Mutate(alert, n => n["schema"] = 2),
            Mutate(alert, n => n.AsObject().Remove("id")),
            Mutate(alert, n => n["extra"] = true),
            Mutate(alert, n => n["camera"] = "Ward 3"),
            Mutate(alert, n => n["score"] = 17),
            Mutate(alert, n => n["ts"] = "yesterday"),
        ];
        foreach (var wrong in wrongAlerts)
        {
            Assert.True((await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, wrong)).Count > 0, "accepted: " + wrong);
        }

        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.Score, """{"ts":"2026-03-04T05:06:07Z","pspi":1,"smoothed":1,"level":"high","confidence":0.5,"quality":"ok","scorer":"g"}"""));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.BedAlert, """{"state":"active","seq":3,"ts":"2026-03-04T05:06:07Z"}"""));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.BedAlert, """{"state":"none","seq":3,"ts":"2026-03-04T05:06:07Z","episode":null}"""));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.CommandReply, """{"command":"ack","ok":true,"error":null}"""));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.CommandSnooze, """{"minutes":1441}"""));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.CommandSnooze, """{"minutes":-1}"""));
        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.CommandSnooze, """{"minutes":0}""")); // cancels the snooze
        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.CommandSnooze, """{"minutes":1440}"""));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.CommandAck, """{"by":""}"""));
    }

    [Fact]
    public async Task Schema_CauseAndReasonEnums_ListEveryValueTheDaemonSends()
    {
        var schema = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(PayloadSchemas.Directory, PayloadSchemas.AlertEvent + ".schema.json"), Ct))!;
        var causes = schema["properties"]!["cause"]!["enum"]!.AsArray().Select(n => (string)n!).ToList();
        var reasons = schema["properties"]!["reason"]!["enum"]!.AsArray().Select(n => (string)n!).ToList();

        Assert.Equal(Enum.GetValues<AlertCause>().Select(AlertEventPayload.CauseName), causes);
        Assert.Equal(Enum.GetValues<AlertReason>().Select(AlertEventPayload.ReasonName), reasons);

        // And an end with each of the new causes validates.
        var end = AlertScenario.Episode("ward3", "bed-1", 0)[^1];
        foreach (var cause in (AlertCause[])[AlertCause.BaselineReset, AlertCause.Removed, AlertCause.Disabled, AlertCause.Restarted, AlertCause.NoEvidence])
        {
            var json = JsonSerializer.Serialize(AlertEventPayload.From(end with { Cause = cause }, 1_772_600_767_000_001), MqttJsonContext.Default.AlertEventPayload);
            Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, json));
        }
    }

    [Fact]
    public void AlertEventPayload_ToEvent_RoundTripsTheWireForm()
    {
        var events = AlertScenario.PainWithTechnicalAlarm();
        foreach (var e in events)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(AlertEventPayload.From(e, 7), MqttJsonContext.Wire.AlertEventPayload);
            var back = JsonSerializer.Deserialize(json, MqttJsonContext.Wire.AlertEventPayload)!.ToEvent();

            Assert.NotNull(back);
            Assert.Equal(AlertEventPayload.From(e, 7) with { Explanation = null }, AlertEventPayload.From(back, 7) with { Explanation = null });
            Assert.Equal(e.Explanation?.Count, back.Explanation?.Count);
        }

        Assert.Null((AlertEventPayload.From(events[0], 1) with { Reason = "fire" }).ToEvent());
    }

    [Fact]
    public async Task AlertEventPayload_CnnRegions_AreNestedUnderExplanation_ValidateAndRoundTrip()
    {
        var pain = AlertScenario.Episode("ward3", "bed-1", 0)[0] with
        {
            Model = "onnx:dacnn",
            Explanation = null,
            ExplanationRegions = new Dictionary<string, double> { ["brow"] = 0.41234, ["eyes"] = 0.3, ["nose_upper_lip"] = 0.2, ["mouth"] = 0.08766 },
        };

        var json = JsonSerializer.Serialize(AlertEventPayload.From(pain, 9), MqttJsonContext.Wire.AlertEventPayload);

        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, json));
        var explanation = JsonNode.Parse(json)!["explanation"]!;
        Assert.Equal(0.412, (double)explanation["regions"]!["brow"]!);
        Assert.Single(explanation.AsObject());
        var back = JsonSerializer.Deserialize(json, MqttJsonContext.Wire.AlertEventPayload)!.ToEvent()!;
        Assert.Null(back.Explanation);
        Assert.Equal(0.3, back.ExplanationRegions!["eyes"]);
        Assert.Equal(AlertEventPayload.From(back, 9), AlertEventPayload.From(pain, 9));

        // Both kinds together (a future scorer), and a region share out of range breaks the schema.
        var both = JsonSerializer.Serialize(AlertEventPayload.From(pain with { Explanation = AlertScenario.Explanation }, 9), MqttJsonContext.Wire.AlertEventPayload);
        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, both));
        var bad = Mutate(json, n => n["explanation"]!["regions"]!["brow"] = 1.5);
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, bad));
    }

    [Fact]
    public async Task InfantBed_AlertAndScorePayloads_CarryTheFlaccScale_ValidateAndRoundTrip()
    {
        var pain = AlertScenario.Episode("nicu", "cot", 0)[0] with
        {
            Model = "infant:infant-flacc-synthetic",
            Scale = ScoreScale.Flacc,
            Score = 6.5,
            Peak = 6.5,
            Explanation = new Dictionary<string, double> { ["au27"] = 3.2, ["au25"] = 5, ["au12"] = 0, ["au20"] = 1.1, ["au9_10"] = 0.7, ["au6_7"] = 2.4 },
        };

        var json = JsonSerializer.Serialize(AlertEventPayload.From(pain, 9), MqttJsonContext.Wire.AlertEventPayload);

        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, json));
        Assert.Equal("flacc", (string)JsonNode.Parse(json)!["scale"]!);
        Assert.Equal(ScoreScale.Flacc, JsonSerializer.Deserialize(json, MqttJsonContext.Wire.AlertEventPayload)!.ToEvent()!.Scale);
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, Mutate(json, n => n["score"] = 12)));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, Mutate(json, n => n["scale"] = "nrs")));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, Mutate(json, n => n.AsObject().Remove("scale"))));

        // An event stored before the scale existed reads back as PSPI.
        var legacy = Mutate(JsonSerializer.Serialize(AlertEventPayload.From(pain with { Scale = ScoreScale.Pspi }, 9), MqttJsonContext.Wire.AlertEventPayload), n => n.AsObject().Remove("scale"));
        Assert.Equal(ScoreScale.Pspi, JsonSerializer.Deserialize(legacy, MqttJsonContext.Wire.AlertEventPayload)!.ToEvent()!.Scale);

        var report = new ScoreReport(new CameraId("nicu"), "cot", DateTimeOffset.UnixEpoch, 5.456, 4.2, PainAlertState.Pending, 0.9, "ok", "infant:m", ScoreScale.Flacc);
        var score = JsonSerializer.Serialize(ScorePayload.From(report), MqttJsonContext.Wire.ScorePayload);
        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.Score, score));
        var node = JsonNode.Parse(score)!;
        Assert.Null(node["pspi"]);
        Assert.Equal(5.46, (double)node["flacc"]!);
        Assert.Equal("4-6", (string)node["flaccLevel"]!);
        Assert.Equal("flacc", (string)node["scale"]!);
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.Score, Mutate(score, n => n["pspi"] = 5.46)));
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.Score, Mutate(score, n => n["smoothed"] = 11)));

        var adult = JsonSerializer.Serialize(ScorePayload.From(report with { Scale = ScoreScale.Pspi }), MqttJsonContext.Wire.ScorePayload);
        Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.Score, adult));
        Assert.Equal(5.46, (double)JsonNode.Parse(adult)!["pspi"]!);
        Assert.Null(JsonNode.Parse(adult)!["flacc"]);
        Assert.NotEmpty(await PayloadSchemas.ValidateAsync(PayloadSchemas.Score, Mutate(adult, n => n["flacc"] = 3)));
    }

    private static string Mutate(string json, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(json)!;
        change(node);
        return node.ToJsonString();
    }

    private static async Task<List<ProbeMessage>> WaitForCountAsync(MqttProbe probe, Func<ProbeMessage, bool> predicate, int count)
    {
        var after = 0;
        for (var i = 0; i < count; i++)
        {
            after = (await probe.WaitForAsync(predicate, after)).Index + 1;
        }

        return [.. probe.Messages.Where(predicate)];
    }
}
