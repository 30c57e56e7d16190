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

    [LoggerMessage(4010, LogLevel.Information, "embedded MQTT broker listening on {Address}:{Port} (TLS port {TlsPort}, 0 = none); {Access}")]
    public static partial void EmbeddedBrokerListening(this ILogger logger, string address, int port, int tlsPort, string access);

    [LoggerMessage(4011, LogLevel.Information, "embedded MQTT broker on {Address}:{Port} stopped")]
    public static partial void EmbeddedBrokerStopped(this ILogger logger, string address, int port);

    [LoggerMessage(4012, LogLevel.Debug, "External MQTT broker configured (Mqtt:Host); the embedded broker is not started")]
    public static partial void EmbeddedBrokerSkipped(this ILogger logger);

    [LoggerMessage(4013, LogLevel.Information, "Alert outbox {Path} opened: {Depth} messages queued, last sequence {LastSequence}")]
    public static partial void OutboxOpened(this ILogger logger, string path, int depth, long lastSequence);

    [LoggerMessage(4014, LogLevel.Error, "Alert outbox {Path} is corrupt ({Reason}); moved it aside to {MovedTo} and started a fresh one: the messages queued in it were NOT delivered")]
    public static partial void OutboxCorrupt(this ILogger logger, string path, string movedTo, string reason);

    [LoggerMessage(4015, LogLevel.Error, "Alert outbox {Path} became corrupt while running; {Lost} queued messages stay in the file moved aside")]
    public static partial void OutboxCorruptAtRuntime(this ILogger logger, string path, int lost);

    [LoggerMessage(4016, LogLevel.Warning, "Alert outbox over its bound: dropped {Dropped} messages ({Reason}: {Updates} update events, {States} superseded bed states); {Depth} queued, bound {MaxMessages}")]
    public static partial void OutboxDropped(this ILogger logger, int dropped, string reason, int updates, int states, int depth, int maxMessages);

    [LoggerMessage(4017, LogLevel.Warning, "Alert outbox holds {Depth} messages, over its bound of {MaxMessages}, but only new and end events are left and those are never dropped")]
    public static partial void OutboxOverBound(this ILogger logger, int depth, int maxMessages);

    [LoggerMessage(4018, LogLevel.Error, "Cannot store the {Type} event of episode {EpisodeId} ({Camera}/{Bed}) in the alert outbox")]
    public static partial void OutboxStoreFailed(this ILogger logger, Exception exception, string type, string episodeId, string camera, string bed);

    [LoggerMessage(4019, LogLevel.Information, "Delivering {Depth} queued alert messages to MQTT broker {Endpoint}")]
    public static partial void OutboxDelivering(this ILogger logger, int depth, string endpoint);

    [LoggerMessage(4020, LogLevel.Warning, "MQTT broker did not accept outbox message {Sequence} on {Topic}: {ReasonCode} {ReasonString}; retrying it in {DelayMilliseconds} ms (later alerts wait behind it)")]
    public static partial void OutboxPublishRejected(this ILogger logger, long sequence, string topic, string reasonCode, string? reasonString, long delayMilliseconds);

    [LoggerMessage(4021, LogLevel.Error, "The alert outbox failed while delivering; retrying in {DelayMilliseconds} ms")]
    public static partial void OutboxDeliveryFailed(this ILogger logger, Exception exception, long delayMilliseconds);

    [LoggerMessage(4022, LogLevel.Warning, "Cannot subscribe to the command topics on MQTT broker {Endpoint}: {Reason}; commands from the nurse station are not received until the next reconnect")]
    public static partial void SubscribeFailed(this ILogger logger, string endpoint, string reason);

    [LoggerMessage(4023, LogLevel.Information, "Command {Command} for {Camera}/{Bed} from {User}: {Result}")]
    public static partial void CommandHandled(this ILogger logger, string command, string camera, string bed, string user, string result);

    [LoggerMessage(4024, LogLevel.Warning, "Rejected MQTT command on {Topic} from {User}: {Error}")]
    public static partial void CommandRejected(this ILogger logger, string topic, string user, string error);

    [LoggerMessage(4025, LogLevel.Error, "The command handler failed on {Command} for {Camera}/{Bed}")]
    public static partial void CommandHandlerFailed(this ILogger logger, Exception exception, string command, string camera, string bed);

    [LoggerMessage(4026, LogLevel.Warning, "Command queue full: refused the command on {Topic} (answered busy)")]
    public static partial void CommandQueueFull(this ILogger logger, string topic);

    [LoggerMessage(4027, LogLevel.Information, "Ended {Count} alert episodes the previous run left open (cause restarted)")]
    public static partial void EpisodesEndedAfterRestart(this ILogger logger, int count);

    [LoggerMessage(4028, LogLevel.Warning, "The alert outbox records an open {Reason} episode on {Camera}/{Bed} that cannot be read; no end is sent for it")]
    public static partial void OpenEpisodeUnreadable(this ILogger logger, string camera, string bed, string reason);

    [LoggerMessage(4029, LogLevel.Error, "Cannot read the open alert episodes from the outbox; the previous run's episodes are ended at the next start")]
    public static partial void OpenEpisodesUnreadable(this ILogger logger, Exception exception);

    [LoggerMessage(4030, LogLevel.Warning, "Embedded MQTT broker refused the connection of client {ClientId}: {Reason}")]
    public static partial void EmbeddedBrokerLoginRefused(this ILogger logger, string clientId, string reason);

    [LoggerMessage(4031, LogLevel.Warning, "Embedded MQTT broker refused a publish by client {ClientId} on {Topic}: {Reason}")]
    public static partial void EmbeddedBrokerPublishRefused(this ILogger logger, string clientId, string topic, string reason);
}
