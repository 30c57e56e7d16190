// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt.Tests;

public sealed class CommandParserTests
{
    private static readonly MqttTopics Topics = MqttTopics.For("painstream");

    [Theory]
    [InlineData("painstream/ward3/bed-12/ack", "", AlertCommandKind.Acknowledge, 0, null)]
    [InlineData("painstream/ward3/bed-12/ack", " \r\n\t", AlertCommandKind.Acknowledge, 0, null)]
    [InlineData("painstream/ward3/bed-12/ack", "{}", AlertCommandKind.Acknowledge, 0, null)]
    [InlineData("painstream/ward3/bed-12/ack", """{"by":"nurse-7"}""", AlertCommandKind.Acknowledge, 0, "nurse-7")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":1}""", AlertCommandKind.Snooze, 1, null)]
    [InlineData("painstream/ward3/bed-12/snooze", """ {"by":"Schwester Anna","minutes":240} """, AlertCommandKind.Snooze, 240, "Schwester Anna")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":1440}""", AlertCommandKind.Snooze, 1440, null)]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":0,"by":"nurse-7"}""", AlertCommandKind.Snooze, 0, "nurse-7")]
    [InlineData("painstream/ward3/bed-12/baseline/reset", "", AlertCommandKind.BaselineReset, 0, null)]
    [InlineData("painstream/ward3/bed-12/baseline/reset", """{"by":"dr-who"}""", AlertCommandKind.BaselineReset, 0, "dr-who")]
    [InlineData("painstream/a/b/ack", "", AlertCommandKind.Acknowledge, 0, null)]
    public void Parse_ValidCommand_ReturnsTheCommandAndReplyTopic(string topic, string payload, AlertCommandKind kind, int minutes, string? by)
    {
        var parsed = CommandParser.Parse(Topics, topic, Encoding.UTF8.GetBytes(payload));

        Assert.Null(parsed.Error);
        var command = Assert.IsType<AlertCommand>(parsed.Command);
        Assert.Equal(kind, command.Kind);
        Assert.Equal(minutes, command.Minutes);
        Assert.Equal(by, command.By);
        var levels = topic.Split('/');
        Assert.Equal(levels[1], command.Camera.Value);
        Assert.Equal(levels[2], command.Bed);
        Assert.Equal($"painstream/{levels[1]}/{levels[2]}/reply", parsed.ReplyTopic);
    }

    [Theory]
    [InlineData("painstream/ward3/bed-12/snooze", "", "snooze", "'minutes' is required")]
    [InlineData("painstream/ward3/bed-12/snooze", "{}", "snooze", "'minutes' is required")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":1441}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":-5}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":1.5}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":"10"}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":null}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":1e10}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":5,"minutes":6}""", "snooze", "duplicate field 'minutes'")]
    [InlineData("painstream/ward3/bed-12/snooze", """{"minutes":5,"reason":"x"}""", "snooze", "unknown field 'reason'")]
    [InlineData("painstream/ward3/bed-12/snooze", "15", "snooze", "the payload must be a JSON object")]
    [InlineData("painstream/ward3/bed-12/ack", """{"minutes":5}""", "ack", "unknown field 'minutes'")]
    [InlineData("painstream/ward3/bed-12/ack", """{"by":42}""", "ack", "'by' must be a string of 1 to 64 characters")]
    [InlineData("painstream/ward3/bed-12/ack", """{"by":""}""", "ack", "'by' must be a string of 1 to 64 characters")]
    [InlineData("painstream/ward3/bed-12/ack", """{"by":"a\nb"}""", "ack", "'by' must be a string of 1 to 64 characters")]
    [InlineData("painstream/ward3/bed-12/ack", """{"by":"x","by":"y"}""", "ack", "duplicate field 'by'")]
    [InlineData("painstream/ward3/bed-12/ack", "{not json", "ack", "malformed JSON at line 1, byte 2")]
    [InlineData("painstream/ward3/bed-12/ack", """{"by":"x"} trailing""", "ack", "malformed JSON")]
    [InlineData("painstream/ward3/bed-12/ack", "[]", "ack", "the payload must be a JSON object")]
    [InlineData("painstream/ward3/bed-12/ack", "null", "ack", "the payload must be a JSON object")]
    [InlineData("painstream/ward3/bed-12/baseline/reset", """{"by":{"name":"x"}}""", "baseline/reset", "'by' must be a string")]
    [InlineData("painstream/Ward3/bed-12/ack", "", "ack", "invalid camera id 'Ward3'")]
    [InlineData("painstream/ward3/bed 12/ack", "", "ack", "invalid bed id 'bed 12'")]
    [InlineData("painstream//bed-12/ack", "", "ack", "invalid camera id ''")]
    [InlineData("painstream/ward3/bed-12/ack/now", "", "unknown", "unknown command topic 'painstream/ward3/bed-12/ack/now'")]
    [InlineData("painstream/ward3/bed-12/baseline/clear", "", "unknown", "unknown command topic")]
    [InlineData("painstream/ward3/bed-12/reboot", "", "unknown", "unknown command topic")]
    public void Parse_InvalidCommand_NamesTheProblem(string topic, string payload, string name, string error)
    {
        var parsed = CommandParser.Parse(Topics, topic, Encoding.UTF8.GetBytes(payload));

        Assert.Null(parsed.Command);
        Assert.Equal(name, parsed.Name);
        Assert.NotNull(parsed.Error);
        Assert.StartsWith(error, parsed.Error, StringComparison.Ordinal);
        var levels = topic.Split('/');
        Assert.Equal($"painstream/{levels[1]}/{levels[2]}/reply", parsed.ReplyTopic);
    }

    [Fact]
    public void Parse_TopicWithoutCameraAndBed_HasNoReplyTopic()
    {
        var parsed = CommandParser.Parse(Topics, "painstream/ack", []);

        Assert.Null(parsed.Command);
        Assert.Null(parsed.ReplyTopic);
        Assert.StartsWith("unknown command topic", parsed.Error, StringComparison.Ordinal);
        Assert.Null(CommandParser.Parse(Topics, "other/ward3/bed-12/ack", []).ReplyTopic);
    }

    [Fact]
    public void Parse_OversizedOrInvalidUtf8Payload_Refused()
    {
        var big = Encoding.UTF8.GetBytes("{\"by\":\"" + new string('x', CommandParser.MaxPayloadBytes) + "\"}");
        Assert.StartsWith("payload too large", CommandParser.Parse(Topics, "painstream/c/b/ack", big).Error, StringComparison.Ordinal);
        Assert.Equal("the payload is not valid UTF-8", CommandParser.Parse(Topics, "painstream/c/b/ack", [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}']).Error);
    }

    [Fact]
    public void Parse_PrefixWithLevels_Works()
    {
        var topics = MqttTopics.For("hospital/ward3/painstream/");

        var parsed = CommandParser.Parse(topics, "hospital/ward3/painstream/cam-1/bed-2/snooze", """{"minutes":30}"""u8);

        Assert.Equal(30, parsed.Command?.Minutes);
        Assert.Equal("hospital/ward3/painstream/cam-1/bed-2/reply", parsed.ReplyTopic);
        Assert.Equal(["hospital/ward3/painstream/+/+/#"], topics.CommandFilters);
    }
}
