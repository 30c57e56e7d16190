// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using PainStream.Core.Alerting;
using PainStream.Core.Frames;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <summary>The outcome of parsing one command message: a valid command, or the error to reply with.</summary>
/// <param name="Name">The command's name for the reply (<c>ack</c>, <c>snooze</c>, <c>baseline/reset</c> or <c>unknown</c>).</param>
/// <param name="ReplyTopic">Where to reply, or <see langword="null"/> when the topic names no camera and bed level.</param>
/// <param name="Command">The command, or <see langword="null"/> when invalid.</param>
/// <param name="Error">Why it is invalid, or <see langword="null"/>.</param>
internal readonly record struct ParsedCommand(string Name, string? ReplyTopic, AlertCommand? Command, string? Error);

/// <summary>
/// Parses nurse-station commands strictly: <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/ack</c> (empty or <c>{"by":"…"}</c>),
/// <c>…/snooze</c> (<c>{"minutes":n}</c>, n in 0–<see cref="MaxSnoozeMinutes"/> where 0 cancels a running snooze, optional
/// <c>by</c>) and
/// <c>…/baseline/reset</c> (empty or <c>{"by":"…"}</c>). Ids must match <c>[a-z0-9_-]{1,64}</c>; malformed JSON, a field of
/// the wrong type, an unknown or repeated field, an out-of-range value or an unknown topic shape is an error that names
/// the problem.
/// </summary>
/// <remarks>Pure and thread-safe.</remarks>
internal static class CommandParser
{
    /// <summary>The longest snooze, in minutes (a day); the same bound as the alert state machine's.</summary>
    public const int MaxSnoozeMinutes = PatientAlertMachine.MaxSnoozeMinutes;

    /// <summary>The longest <c>by</c> value, in characters.</summary>
    public const int MaxByLength = 64;

    /// <summary>The largest payload looked at, in bytes (commands are tiny; anything bigger is refused unread).</summary>
    public const int MaxPayloadBytes = 1024;

    /// <summary>The name in replies to a topic that is no known command.</summary>
    public const string Unknown = "unknown";

    private const string ByField = "by";
    private const string MinutesField = "minutes";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 4 };

    /// <summary>Parses one message received on a command topic.</summary>
    /// <param name="topics">The contract's topics (for the prefix and reply topics).</param>
    /// <param name="topic">The topic the message came on.</param>
    /// <param name="payload">The payload (possibly cut after <see cref="MaxPayloadBytes"/> + 1 bytes).</param>
    /// <returns>The command or the error.</returns>
    /// <param name="maxSnoozeMinutes">The longest snooze allowed (<c>Mqtt:MaxSnoozeMinutes</c>); a longer one is refused.</param>
    /// <param name="user">The sender as the broker authenticated it, or <see langword="null"/>.</param>
    public static ParsedCommand Parse(MqttTopics topics, string topic, ReadOnlySpan<byte> payload, int maxSnoozeMinutes = MaxSnoozeMinutes, string? user = null)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(topic);
        var root = topics.Prefix + "/";
        if (!topic.StartsWith(root, StringComparison.Ordinal))
        {
            return new ParsedCommand(Unknown, null, null, $"topic '{Shorten(topic)}' is outside the prefix '{topics.Prefix}'");
        }

        var levels = topic[root.Length..].Split('/');
        var reply = levels.Length >= 2 ? topics.Reply(levels[0], levels[1]) : null;
        var name = levels switch
        {
            [_, _, MqttTopics.AckCommand] => MqttTopics.AckCommand,
            [_, _, MqttTopics.SnoozeCommand] => MqttTopics.SnoozeCommand,
            [_, _, "baseline", "reset"] => MqttTopics.BaselineResetCommand,
            _ => null,
        };
        if (name is null)
        {
            return new ParsedCommand(Unknown, reply, null, $"unknown command topic '{Shorten(topic)}' (expected {topics.Prefix}/<camera>/<bed>/ack, …/snooze or …/baseline/reset)");
        }

        var camera = levels[0];
        var bed = levels[1];
        if (!CameraId.IsValid(camera))
        {
            return new ParsedCommand(name, reply, null, $"invalid camera id '{Shorten(camera)}' (expected [a-z0-9_-]{{1,64}})");
        }

        if (!CameraId.IsValid(bed))
        {
            return new ParsedCommand(name, reply, null, $"invalid bed id '{Shorten(bed)}' (expected [a-z0-9_-]{{1,64}})");
        }

        var error = ParsePayload(name, payload, out var minutes, out var by);
        if (error is not null)
        {
            return new ParsedCommand(name, reply, null, error);
        }

        if (name == MqttTopics.SnoozeCommand && minutes > maxSnoozeMinutes)
        {
            return new ParsedCommand(name, reply, null, string.Create(CultureInfo.InvariantCulture, $"a snooze of {minutes} minutes is refused: at most {maxSnoozeMinutes} (Mqtt:MaxSnoozeMinutes)"));
        }

        var kind = name switch
        {
            MqttTopics.AckCommand => AlertCommandKind.Acknowledge,
            MqttTopics.SnoozeCommand => AlertCommandKind.Snooze,
            _ => AlertCommandKind.BaselineReset,
        };
        return new ParsedCommand(name, reply, new AlertCommand(kind, new CameraId(camera), bed, minutes, by, user), null);
    }

    private static string? ParsePayload(string name, ReadOnlySpan<byte> payload, out int minutes, out string? by)
    {
        minutes = 0;
        by = null;
        var snooze = name == MqttTopics.SnoozeCommand;
        if (payload.Length > MaxPayloadBytes)
        {
            return $"payload too large (more than {MaxPayloadBytes} bytes)";
        }

        if (IsBlank(payload))
        {
            return snooze ? $"'{MinutesField}' is required: {{\"{MinutesField}\":n}} with n from 0 (cancel) to {MaxSnoozeMinutes}" : null;
        }

        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            return "the payload is not valid UTF-8";
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), DocumentOptions);
        }
        catch (JsonException ex)
        {
            return ex.LineNumber is { } line && ex.BytePositionInLine is { } position
                ? string.Create(CultureInfo.InvariantCulture, $"malformed JSON at line {line + 1}, byte {position + 1}")
                : "malformed JSON";
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "the payload must be a JSON object (or empty" + (snooze ? ")" : " for this command)");
            }

            var seenMinutes = false;
            var seenBy = false;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case MinutesField when snooze:
                        if (seenMinutes)
                        {
                            return $"duplicate field '{MinutesField}'";
                        }

                        seenMinutes = true;
                        if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out minutes)
                            || minutes < 0 || minutes > MaxSnoozeMinutes)
                        {
                            return $"'{MinutesField}' must be an integer from 0 (cancels the snooze) to {MaxSnoozeMinutes}";
                        }

                        break;

                    case ByField:
                        if (seenBy)
                        {
                            return $"duplicate field '{ByField}'";
                        }

                        seenBy = true;
                        by = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        if (by is null || by.Length is 0 or > MaxByLength || by.Any(char.IsControl))
                        {
                            return $"'{ByField}' must be a string of 1 to {MaxByLength} characters without control characters";
                        }

                        break;

                    default:
                        return $"unknown field '{Shorten(property.Name)}'";
                }
            }

            return snooze && !seenMinutes
                ? $"'{MinutesField}' is required: {{\"{MinutesField}\":n}} with n from 0 (cancel) to {MaxSnoozeMinutes}"
                : null;
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> payload)
    {
        foreach (var b in payload)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
