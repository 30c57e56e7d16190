// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Alerts.Mqtt;

/// <summary>Source-generated log messages of PainStream.Alerts.Mqtt. Event ids 4000–4999 (docs/event-ids.md). Never logs credentials.</summary>
internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Information, "Connected to MQTT broker {Endpoint}; published {Topic}=online and {Statuses} retained camera statuses")]
    public static partial void Connected(this ILogger logger, string endpoint, string topic, int statuses);

    [LoggerMessage(4002, LogLevel.Warning, "Cannot connect to MQTT broker {Endpoint} (attempt {Attempt}): {Reason}; retrying in {DelayMilliseconds} ms")]
    public static partial void ConnectFailed(this ILogger logger, string endpoint, int attempt, string? reason, long delayMilliseconds);

    [LoggerMessage(4003, LogLevel.Warning, "Lost the connection to MQTT broker {Endpoint}: {Reason}; best-effort messages are dropped until it is back")]
    public static partial void ConnectionLost(this ILogger logger, string endpoint, string? reason);

    [LoggerMessage(4005, LogLevel.Warning, "MQTT broker rejected the publish to {Topic}: {ReasonCode} {ReasonString}")]
    public static partial void PublishRejected(this ILogger logger, string topic, string reasonCode, string? reasonString);

    [LoggerMessage(4006, LogLevel.Warning, "Cannot serialise the {Kind} message for {Topic}; message skipped")]
    public static partial void SerializeFailed(this ILogger logger, Exception exception, string kind, string topic);

    [LoggerMessage(4007, LogLevel.Information, "Published {Topic}=stopped and disconnected from MQTT broker {Endpoint}")]
    public static partial void Stopped(this ILogger logger, string topic, string endpoint);

    [LoggerMessage(4008, LogLevel.Warning, "Could not publish {Topic}=stopped to MQTT broker {Endpoint}; the broker will publish the Last Will (offline) instead")]
    public static partial void StopPublishFailed(this ILogger logger, Exception exception, string topic, string endpoint);

    [LoggerMessage(4009, LogLevel.Warning, "The MQTT publish loop did not stop in time; {Topic}=stopped not sent")]
    public static partial void StopLoopStillRunning(this ILogger logger, string topic);

    [LoggerMessage(4010, LogLevel.Information, "embedded MQTT broker listening on 127.0.0.1:{Port}")]
    public static partial void EmbeddedBrokerListening(this ILogger logger, int port);

    [LoggerMessage(4011, LogLevel.Information, "embedded MQTT broker on 127.0.0.1:{Port} stopped")]
    public static partial void EmbeddedBrokerStopped(this ILogger logger, int port);

    [LoggerMessage(4012, LogLevel.Debug, "External MQTT broker configured (Mqtt:Host); the embedded broker is not started")]
    public static partial void EmbeddedBrokerSkipped(this ILogger logger);
}
