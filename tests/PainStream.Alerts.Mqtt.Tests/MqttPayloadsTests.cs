// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using System.Text.Json;
using PainStream.Core.Cameras;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt.Tests;

public sealed class MqttPayloadsTests
{
    [Fact]
    public void CameraStatusPayload_NonUtcOffset_WritesUtcWithZ()
    {
        var status = PublisherHarness.Status("bed-1", CameraState.Disabled) with { Since = new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.FromHours(2)) };

        var json = JsonSerializer.Serialize(CameraStatusPayload.From(status), MqttJsonContext.Default.CameraStatusPayload);

        Assert.Equal("""{"state":"disabled","fps":12.35,"lastFrameAt":null,"reconnects":0,"error":null,"since":"2026-01-02T08:00:00Z","decodeMode":"all","keyframeInterval":null}""", json);
    }

    [Fact]
    public void PainStreamStats_NonFiniteMean_SerialisesInsteadOfFailing()
    {
        var stats = new PainStreamStats(PublisherHarness.T0, 0, [new CameraStats("bed-1", "offline", 0, 0, 0, 0, 0, double.NaN)], new Dictionary<string, int>(), 0);

        var bytes = JsonSerializer.SerializeToUtf8Bytes(stats, MqttJsonContext.Default.PainStreamStats);

        Assert.Contains("\"detectMilliseconds\":\"NaN\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void MqttTopics_PrefixWithTrailingSlash_BuildsContractTopics()
    {
        var topics = MqttTopics.For("ward-3/painstream/");

        Assert.Equal("ward-3/painstream/available", topics.Available);
        Assert.Equal("ward-3/painstream/stats", topics.Stats);
        Assert.Equal("ward-3/painstream/bed-1/status", topics.Status(new("bed-1")));
        Assert.Equal("ward-3/painstream/bed-1/faces", topics.Faces(new("bed-1")));
    }

    [Fact]
    public async Task AlertEventPayload_CommandCausedEvent_CarriesTheUser_OthersLeaveItOut()
    {
        var episode = AlertScenario.Episode("ward3", "bed-12", updates: 1);
        var acked = episode[1] with { Cause = Core.Alerting.AlertCause.Acknowledged, Acknowledged = true, By = "nurse-anna" };

        var withUser = JsonSerializer.Serialize(AlertEventPayload.From(acked, 7), MqttJsonContext.Wire.AlertEventPayload);
        var without = JsonSerializer.Serialize(AlertEventPayload.From(episode[0], 6), MqttJsonContext.Wire.AlertEventPayload);

        Assert.Contains("\"by\":\"nurse-anna\"", withUser, StringComparison.Ordinal);
        Assert.DoesNotContain("\"by\"", without, StringComparison.Ordinal);
        Assert.Empty(await Testing.PayloadSchemas.ValidateAsync(Testing.PayloadSchemas.AlertEvent, withUser));
        Assert.Equal("nurse-anna", AlertEventPayload.From(acked, 7).ToEvent()!.By);
    }
}
