// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using PainStream.Alerts.Mqtt.Outbox;
using PainStream.Core.Alerting;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Pipeline;

namespace PainStream.Alerts.Mqtt;

/// <summary>
/// The outbox pump: stores episode events with their bed's new retained state (projected by <see cref="BedAlertState"/>) in
/// the durable outbox, and delivers them in order through the connection owner's publish function, deleting each after
/// its PUBACK; times alert latency; re-sends every bed's state after a reconnect; ends the previous run's episodes at start.
/// </summary>
/// <remarks>
/// <see cref="Enqueue"/> and <see cref="EndEpisodesOfPreviousRun"/> are thread-safe; the delivery methods are called by the
/// connection owner's loop only. The outbox is injected and owned by the caller.
/// </remarks>
internal sealed class AlertOutboxPump
{
    /// <summary>How many outbox messages one pump step delivers before it lets statuses, replies and telemetry through.</summary>
    internal const int OutboxBatchSize = 64;

    /// <summary>Metric kind of an episode event on <c>&lt;prefix&gt;/alerts</c>.</summary>
    internal const string AlertKind = "alert";

    /// <summary>Metric kind of a bed's retained alert state.</summary>
    internal const string AlertStateKind = "alert-state";

    /// <summary>
    /// The most alert events kept waiting for their PUBACK to be timed (<see cref="PainStreamInstruments.AlertLatency"/>);
    /// beyond it, during a long broker outage, the oldest are not timed.
    /// </summary>
    internal const int MaxTimedAlerts = 4096;

    // Bounds of painstream.alert.latency: 2.5 to 5 ms apart below 25 ms (one camera on an idle machine), then 25 ms apart up
    // to 300 ms (the target is p95 < 250 ms), so a quantile interpolated from a scrape is within about 12 ms there; coarser
    // above, where it only shows how far off a run was.
    private static readonly double[] AlertLatencyBuckets =
    [
        0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.275, 0.3,
        0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30,
    ];

    private readonly Lock _alertGate = new();
    private readonly Histogram<double> _alertLatency;
    private readonly SqliteAlertOutbox _outbox;
    private readonly MqttTopics _topics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Counter<long> _published;
    private readonly Func<MqttApplicationMessage, CancellationToken, Task<MqttClientPublishResult>> _publish;
    private readonly Action _wake;
    private readonly Action<string> _refused;

    // Stored alert events that carry a capture timestamp, in sequence order, until their PUBACK (or a later one: the
    // overflow policy dropped them) is seen. Guarded by _alertGate.
    private readonly Queue<TimedAlert> _timedAlerts = new();

    // The latest event of every open episode, per bed: the source of the retained bed state. Guarded by _alertGate.
    private readonly Dictionary<(string Camera, string Bed), BedAlertState> _openEpisodes = [];
    // The serialised current state of every bed seen since start, re-sent after a reconnect once the outbox is empty:
    // a broker that restarted without persistence has forgotten its retained messages. Guarded by _alertGate.
    private readonly Dictionary<string, byte[]> _bedStates = new(StringComparer.Ordinal);
    private readonly ReconnectBackoff _outboxBackoff;

    // The beds whose state must be re-sent on this connection: all known at connect, less those whose state the outbox
    // delivers on this connection (it ends with their newest). Loop-owned; null when nothing is due.
    private HashSet<string>? _bedStatesToResend;

    // When the loop may retry an outbox message the broker refused (a TimeProvider timestamp; 0 = no pause). Loop-owned.
    private long _outboxRetryAt;

    /// <summary>Initializes a new instance of the <see cref="AlertOutboxPump"/> class.</summary>
    /// <param name="outbox">The durable outbox (owned by the caller).</param>
    /// <param name="topics">The topics.</param>
    /// <param name="meter">The meter for the latency histogram.</param>
    /// <param name="published">The counter of sent messages (by kind).</param>
    /// <param name="retryMax">The longest pause after the broker refused a message.</param>
    /// <param name="publish">Publishes one message on the connection owner's client (loop only).</param>
    /// <param name="wake">Wakes the connection owner's loop (work is waiting).</param>
    /// <param name="refused">Records why the broker refused a message (the connection state's last error).</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock.</param>
    public AlertOutboxPump(
        SqliteAlertOutbox outbox,
        MqttTopics topics,
        Meter meter,
        Counter<long> published,
        TimeSpan retryMax,
        Func<MqttApplicationMessage, CancellationToken, Task<MqttClientPublishResult>> publish,
        Action wake,
        Action<string> refused,
        ILogger logger,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _outbox = outbox;
        _topics = topics;
        _published = published;
        _publish = publish;
        _wake = wake;
        _refused = refused;
        _logger = logger;
        _time = time;
        var first = TimeSpan.FromSeconds(1);
        _outboxBackoff = new ReconnectBackoff(retryMax < first ? retryMax : first, retryMax);
        _alertLatency = meter.CreateHistogram(
            PainStreamInstruments.AlertLatency,
            unit: "s",
            description: "Time from the capture of the frame whose score raised an alert event to the broker's acknowledgement of the event.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AlertLatencyBuckets });
    }

    /// <summary>Gets the outbox.</summary>
    public SqliteAlertOutbox Outbox => _outbox;

    /// <summary>Gets when delivery may resume after a refusal (a <see cref="TimeProvider"/> timestamp), or 0 when it is not paused.</summary>
    public long RetryAt => _outboxRetryAt;

    /// <summary>After a (re)connect: no pause, and every known bed's state is due to be re-sent.</summary>
    public void OnConnected()
    {
        _outboxRetryAt = 0;
        _outboxBackoff.Reset();
        ScheduleBedStateResend();
    }

    /// <summary>
    /// Stores the episode event (for <c>&lt;prefix&gt;/alerts</c>) and the bed's new retained state (for
    /// <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/alert</c>) in the outbox in one transaction, and wakes the delivery loop.
    /// </summary>
    /// <remarks>
    /// Completes synchronously once the SQLite commit is on disk (an fsync, typically milliseconds). The bed state is
    /// derived from the open episodes this publisher has seen since it started (see <see cref="BedAlertPayload"/>): the
    /// pain episode when one is open, else the most urgent technical alarm, or <c>none</c>.
    /// </remarks>
    /// <param name="alert">The event.</param>

    /// <exception cref="ArgumentException">The camera or bed name is not a valid topic level.</exception>
    /// <exception cref="SqliteException">The outbox could not store it (e.g. disk full); logged, nothing was stored.</exception>
    public void Enqueue(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        EnqueueAlert(alert);
    }

    /// <summary>
    /// At start: ends, with cause <c>restarted</c>, every episode the outbox still records as open. Episodes are not carried
    /// over a restart (the smoothing window, the timers and the snooze are gone), and without an <c>end</c> the bed's
    /// retained state on the broker would say <c>active</c> for ever. A condition that persists opens a new episode.
    /// </summary>
    /// <remarks>
    /// The open episodes are written in the same transaction as their events, so this is exact after a crash too. A failure
    /// to store an <c>end</c> is logged and the episode stays recorded: it is ended at the next start.
    /// </remarks>
    internal void EndEpisodesOfPreviousRun()
    {
        IReadOnlyList<OpenEpisode> leftovers;
        try
        {
            leftovers = _outbox.OpenEpisodes();
        }
        catch (SqliteException ex)
        {
            // By design: the daemon still starts; the episodes stay recorded for the next start.
            _logger.OpenEpisodesUnreadable(ex);
            return;
        }

        var now = _time.GetUtcNow();
        var ends = new List<AlertEvent>(leftovers.Count);
        lock (_alertGate)
        {
            foreach (var leftover in leftovers)
            {
                AlertEventPayload? last = null;
                try
                {
                    last = JsonSerializer.Deserialize(leftover.Payload, MqttJsonContext.Wire.AlertEventPayload);
                }
                catch (JsonException)
                {
                    // Reported below, like a name this version does not know.
                }

                if (last?.ToEvent() is not { } open)
                {
                    _logger.OpenEpisodeUnreadable(leftover.Camera, leftover.Bed, leftover.Reason);
                    continue;
                }

                // As it was before the restart, so that the bed state after the last end is "none".
                var key = (leftover.Camera, leftover.Bed);
                _openEpisodes[key] = _openEpisodes.GetValueOrDefault(key, BedAlertState.None).Apply(open, last.Seq);
                ends.Add(open with
                {
                    Type = AlertEventType.End,
                    Cause = AlertCause.Restarted,
                    Ts = now,
                    Score = null,
                    SnoozedUntil = null,
                    Explanation = null,
                });
            }
        }

        var ended = 0;
        foreach (var end in ends)
        {
            try
            {
                EnqueueAlert(end);
                ended++;
            }
            catch (SqliteException)
            {
                // Logged by EnqueueAlert; the episode stays recorded as open and is ended at the next start.
            }
        }

        if (ended > 0)
        {
            _logger.EpisodesEndedAfterRestart(ended);
        }
    }

    private void EnqueueAlert(AlertEvent alert)
    {
        var camera = alert.Camera.Value;
        ThrowIfInvalidLevel(camera, nameof(alert));
        ThrowIfInvalidLevel(alert.Bed, nameof(alert));

        // The episode's latest event is kept with the messages (its seq does not matter), to end it after a restart.
        var reason = AlertEventPayload.ReasonName(alert.Reason);
        var episode = new OpenEpisode(
            camera,
            alert.Bed,
            reason,
            alert.Type == AlertEventType.End ? null : JsonSerializer.SerializeToUtf8Bytes(AlertEventPayload.From(alert, 0), MqttJsonContext.Wire.AlertEventPayload));
        lock (_alertGate)
        {
            var key = (camera, alert.Bed);
            var open = _openEpisodes.GetValueOrDefault(key, BedAlertState.None);
            BedAlertState? next = null;
            byte[]? statePayload = null;
            long eventSequence = 0;
            try
            {
                _outbox.Enqueue(seq =>
                {
                    eventSequence = seq;
                    var payload = AlertEventPayload.From(alert, seq);
                    next = open.Apply(alert, seq);
                    statePayload = JsonSerializer.SerializeToUtf8Bytes(BedAlertPayload.From(next, seq, alert.Ts), MqttJsonContext.Wire.BedAlertPayload);
                    var kind = alert.Type switch
                    {
                        AlertEventType.New => OutboxKind.New,
                        AlertEventType.End => OutboxKind.End,
                        _ => OutboxKind.Update,
                    };
                    return
                    [
                        new OutboxMessage(_topics.Alerts, JsonSerializer.SerializeToUtf8Bytes(payload, MqttJsonContext.Wire.AlertEventPayload), Retain: false, kind, alert.Id + ":" + seq),
                        new OutboxMessage(_topics.BedAlert(camera, alert.Bed), statePayload, Retain: true, OutboxKind.State, camera + "/" + alert.Bed + ":" + seq),
                    ];
                },
                episode);
            }
            catch (Exception ex)
            {
                // Logged here as well as thrown: losing an alert must be visible even if the caller only counts it.
                _logger.OutboxStoreFailed(ex, alert.Type.ToString(), alert.Id, camera, alert.Bed);
                throw;
            }

            // Only once stored: a failed store leaves the bed's open episodes as they were.
            if (!next!.IsActive)
            {
                _openEpisodes.Remove(key);
            }
            else
            {
                _openEpisodes[key] = next;
            }

            _bedStates[_topics.BedAlert(camera, alert.Bed)] = statePayload!;
            // The event's span (PainStreamActivities.Alert, current while the patient stage stores it) is continued by a
            // publish span at its PUBACK.
            var trace = Activity.Current is { OperationName: PainStreamActivities.Alert } span ? span.Context : default;
            if (alert.CaptureTimestamp is not null || trace != default)
            {
                if (_timedAlerts.Count >= MaxTimedAlerts)
                {
                    _timedAlerts.Dequeue();
                }

                _timedAlerts.Enqueue(new TimedAlert(eventSequence, alert.CaptureTimestamp, AlertNames.Type(alert.Type), AlertNames.Reason(alert.Reason), trace, _time.GetUtcNow()));
            }
        }

        _wake();
    }

    /// <summary>
    /// One delivery step: publishes up to <see cref="OutboxBatchSize"/> outbox messages in order, each awaiting its PUBACK,
    /// and deletes the acknowledged ones. A refusal by the broker (a non-success reason code) stops the step and pauses
    /// delivery with a backoff; the refused message is retried first. A broken connection throws; the messages from the
    /// unacknowledged one on stay queued for the next connection.
    /// </summary>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>How many messages were acknowledged.</returns>
    internal async Task<int> DeliverOnceAsync(CancellationToken cancellationToken)
    {
        if (_outboxRetryAt != 0 && _time.GetTimestamp() < _outboxRetryAt)
        {
            return 0;
        }

        _outboxRetryAt = 0;
        IReadOnlyList<OutboxEntry> batch;
        try
        {
            batch = _outbox.Peek(OutboxBatchSize);
        }
        catch (SqliteException ex)
        {
            PauseOutbox(ex);
            return 0;
        }

        var acknowledged = 0;
        try
        {
            foreach (var entry in batch)
            {
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(entry.Topic)
                    .WithPayload(entry.Payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithRetainFlag(entry.Retain)
                    .Build();
                var result = await _publish(message, cancellationToken);

                // IsSuccess includes "no matching subscribers": the broker took the message (and kept it, if retained).
                if (!result.IsSuccess)
                {
                    var delay = _outboxBackoff.Next();
                    _outboxRetryAt = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
                    _refused("broker refused outbox message " + entry.Sequence + ": " + result.ReasonCode);
                    _logger.OutboxPublishRejected(entry.Sequence, entry.Topic, result.ReasonCode.ToString(), result.ReasonString, (long)delay.TotalMilliseconds);
                    break;
                }

                acknowledged++;
                _outboxBackoff.Reset();
                if (entry.Kind == OutboxKind.State)
                {
                    // This bed's newest state comes through the outbox on this connection: no re-send needed.
                    _bedStatesToResend?.Remove(entry.Topic);
                }

                _published.Add(1, new KeyValuePair<string, object?>(MqttPublisher.KindTag, entry.Kind == OutboxKind.State ? AlertStateKind : AlertKind));
                if (entry.Kind != OutboxKind.State)
                {
                    RecordAlertLatency(entry.Sequence);
                }
            }
        }
        finally
        {
            // Once per batch (one fsync), also after a refusal, a broken connection or a cancellation: a crash before this
            // only means the acknowledged messages are delivered again (at least once, same (id, seq)).
            if (acknowledged > 0)
            {
                TryDeleteThrough(batch[acknowledged - 1].Sequence);
            }
        }

        return acknowledged;
    }

    /// <summary>
    /// After a (re)connect, once the outbox is empty: publishes the current state of every bed the outbox did not just
    /// deliver (QoS 1, retained), so a broker that lost its retained messages (restarted without persistence) shows the
    /// right state. They are the newest states, so a dashboard that already has them sees the same <c>seq</c> again.
    /// </summary>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>A task that completes when they are acknowledged (or nothing was due).</returns>
    internal async Task ResendBedStatesAsync(CancellationToken cancellationToken)
    {
        if (_bedStatesToResend is not { } due || _outbox.Count > 0)
        {
            return;
        }

        var states = new List<(string Topic, byte[] Payload)>(due.Count);
        lock (_alertGate)
        {
            foreach (var topic in due)
            {
                states.Add((topic, _bedStates[topic]));
            }
        }

        foreach (var (topic, payload) in states)
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .Build();
            var result = await _publish(message, cancellationToken);
            if (result.IsSuccess)
            {
                _published.Add(1, new KeyValuePair<string, object?>(MqttPublisher.KindTag, AlertStateKind));
            }
            else
            {
                _logger.PublishRejected(topic, result.ReasonCode.ToString(), result.ReasonString);
            }

            due.Remove(topic);
        }

        _bedStatesToResend = null;
    }

    /// <summary>Marks every known bed's state as due for <see cref="ResendBedStatesAsync"/> (on every connect).</summary>
    private void ScheduleBedStateResend()
    {
        lock (_alertGate)
        {
            _bedStatesToResend = _bedStates.Count == 0 ? null : [.. _bedStates.Keys];
        }
    }

    /// <summary>Throws when <paramref name="level"/> is not one valid topic level.</summary>
    /// <param name="level">The camera or bed name.</param>
    /// <param name="paramName">The argument it came from.</param>
    internal static void ThrowIfInvalidLevel(string level, string paramName)
    {
        if (!CameraId.IsValid(level))
        {
            throw new ArgumentException($"'{level}' is not a valid camera or bed name ([a-z0-9_-]{{1,64}}): it would not be one MQTT topic level", paramName);
        }
    }

    /// <summary>
    /// Records <see cref="PainStreamInstruments.AlertLatency"/> for the event stored as <paramref name="sequence"/>, which the
    /// broker has just acknowledged, if it was timed; forgets timed events before it (the overflow policy dropped them).
    /// </summary>
    /// <param name="sequence">The acknowledged event's outbox sequence.</param>
    private void RecordAlertLatency(long sequence)
    {
        TimedAlert? timed = null;
        lock (_alertGate)
        {
            // Delivery is strictly in sequence order, so anything older than this PUBACK will never get one.
            while (_timedAlerts.TryPeek(out var head) && head.Sequence <= sequence)
            {
                _timedAlerts.Dequeue();
                if (head.Sequence == sequence)
                {
                    timed = head;
                }
            }
        }

        if (timed is { } t)
        {
            if (t.CaptureTimestamp is { } captured)
            {
                _alertLatency.Record(
                    _time.GetElapsedTime(captured).TotalSeconds,
                    new KeyValuePair<string, object?>("type", t.Type),
                    new KeyValuePair<string, object?>("reason", t.Reason));
            }

            if (t.Trace != default)
            {
                // Stored → PUBACK, under the event's capture → stored span: one trace from the camera to the broker.
                using var publish = PainStreamActivities.Source.StartActivity(PainStreamActivities.AlertPublish, ActivityKind.Producer, t.Trace, startTime: t.StoredAt);
                publish?.SetTag(PainStreamActivities.OutboxSequenceTag, sequence);
                publish?.SetTag(PainStreamActivities.AlertTypeTag, t.Type);
                publish?.SetTag(PainStreamActivities.AlertReasonTag, t.Reason);
            }
        }
    }

    private void TryDeleteThrough(long sequence)
    {
        try
        {
            _outbox.DeleteThrough(sequence);
        }
        catch (SqliteException ex)
        {
            // By design: the messages stay queued and are delivered again (duplicates carry the same (id, seq)).
            PauseOutbox(ex);
        }
    }

    private void PauseOutbox(SqliteException ex)
    {
        var delay = _outboxBackoff.Next();
        _outboxRetryAt = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
        _logger.OutboxDeliveryFailed(ex, (long)delay.TotalMilliseconds);
    }
}

/// <summary>A stored alert event waiting for its PUBACK to be timed and traced.</summary>
/// <param name="Sequence">Its outbox sequence.</param>
/// <param name="CaptureTimestamp">The capture timestamp of the frame that raised it, or <see langword="null"/> (a timer raised it).</param>
/// <param name="Type">The event type's wire name (metric tag).</param>
/// <param name="Reason">The reason's wire name (metric tag).</param>
/// <param name="Trace">Its <see cref="PainStreamActivities.Alert"/> span, or <see langword="default"/> when nothing listened.</param>
/// <param name="StoredAt">When it was stored (the publish span's start).</param>
internal readonly record struct TimedAlert(long Sequence, long? CaptureTimestamp, string Type, string Reason, ActivityContext Trace, DateTimeOffset StoredAt);
