// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Alerts.Mqtt.Outbox;

/// <summary>What an outbox message is, which decides whether the overflow policy may drop it.</summary>
internal enum OutboxKind
{
    /// <summary>An episode's <c>new</c> event: never dropped.</summary>
    New,

    /// <summary>An episode's <c>update</c> event: the first to go when the outbox is over its bounds.</summary>
    Update,

    /// <summary>An episode's <c>end</c> event: never dropped.</summary>
    End,

    /// <summary>A bed's retained alert state: dropped only when a newer state for the same topic is queued behind it.</summary>
    State,
}

/// <summary>A message to store in the outbox (always published with QoS 1).</summary>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Payload">The payload bytes.</param>
/// <param name="Retain">Whether the broker retains it.</param>
/// <param name="Kind">What it is (for the overflow policy).</param>
/// <param name="DedupeKey">What a subscriber deduplicates by: <c>&lt;id&gt;:&lt;seq&gt;</c> for an event, <c>&lt;camera&gt;/&lt;bed&gt;:&lt;seq&gt;</c> for a bed state.</param>
internal sealed record OutboxMessage(string Topic, byte[] Payload, bool Retain, OutboxKind Kind, string DedupeKey);

/// <summary>A stored outbox message.</summary>
/// <param name="Sequence">Its position: strictly increasing, never reused within one outbox file.</param>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Payload">The payload bytes.</param>
/// <param name="Retain">Whether the broker retains it.</param>
/// <param name="Kind">What it is.</param>
/// <param name="DedupeKey">What a subscriber deduplicates by.</param>
/// <param name="EnqueuedAt">When it was stored (UTC, millisecond precision).</param>
internal sealed record OutboxEntry(long Sequence, string Topic, byte[] Payload, bool Retain, OutboxKind Kind, string DedupeKey, DateTimeOffset EnqueuedAt);

/// <summary>Builds the messages of one atomic enqueue once their sequence numbers are known.</summary>
/// <param name="firstSequence">The sequence the first message will get; the next ones follow by one.</param>
/// <returns>The messages, in delivery order (at least one).</returns>
internal delegate IReadOnlyList<OutboxMessage> OutboxBatchBuilder(long firstSequence);

/// <summary>An open episode as the outbox keeps it, to end it after a restart (see <see cref="SqliteAlertOutbox.OpenEpisodes"/>).</summary>
/// <param name="Camera">The camera.</param>
/// <param name="Bed">The bed.</param>
/// <param name="Reason">The episode's reason (wire name); one open episode per camera, bed and reason.</param>
/// <param name="Payload">The episode's latest event (UTF-8 JSON of <see cref="AlertEventPayload"/>), or <see langword="null"/> in a change that ends it.</param>
internal sealed record OpenEpisode(string Camera, string Bed, string Reason, byte[]? Payload);
