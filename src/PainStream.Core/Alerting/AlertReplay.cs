// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Alerting;

/// <summary>One recorded step of a bed's machine: what <see cref="PatientAlertMachine.Step"/> was given.</summary>
/// <param name="At">The machine's clock at the step.</param>
/// <param name="Pspi">The raw score, or <see langword="null"/> when the frame could not be scored.</param>
/// <param name="Confidence">The sample's confidence.</param>
/// <param name="Quality">Why it could not be scored (<see langword="null"/> when scored).</param>
/// <param name="IsTick">Whether this is a timer tick (<see cref="PatientAlertMachine.Tick"/>) rather than a sample.</param>
public readonly record struct RecordedSample(DateTimeOffset At, double? Pspi, double Confidence, string? Quality, bool IsTick = false)
{
    /// <summary>Gets the sample as the machine takes it.</summary>
    public ScoreSample ToSample() => Pspi is { } p ? new ScoreSample(p, Confidence) : ScoreSample.CannotScore(Quality ?? "unknown");
}

/// <summary>One episode as replay (or the real run) saw it: from its <c>new</c> to its <c>end</c>.</summary>
/// <param name="Id">The episode id.</param>
/// <param name="Reason">Pain or a technical alarm.</param>
/// <param name="StartedAt">When the condition began (for pain, the start of the dwell).</param>
/// <param name="AnnouncedAt">When the <c>new</c> event was sent.</param>
/// <param name="EndedAt">When the <c>end</c> event was sent; <see langword="null"/> while still open at the end of the period.</param>
/// <param name="EndCause">Why it ended.</param>
/// <param name="Peak">The highest smoothed score.</param>
/// <param name="Priority">The highest priority reached.</param>
/// <param name="Updates">How many <c>update</c> events it had.</param>
public sealed record ReplayEpisode(
    string Id,
    AlertReason Reason,
    DateTimeOffset StartedAt,
    DateTimeOffset AnnouncedAt,
    DateTimeOffset? EndedAt,
    AlertCause? EndCause,
    double? Peak,
    AlertPriority Priority,
    int Updates);

/// <summary>
/// Re-runs a bed's alert policy (<see cref="PatientAlertMachine"/>, with its smoother) over recorded samples, with the
/// timer ticks the daemon gives it every second, so an integrator can see which episodes other settings would have raised.
/// </summary>
/// <remarks>
/// Commands (acknowledge, snooze, baseline reset) and camera outages are not replayed: only the scores. A gap longer
/// than <see cref="RestartGap"/> between two samples means the daemon was not running: the machine starts afresh, as the
/// daemon's restart does (open episodes end with cause <c>restarted</c>).
/// </remarks>
public static class AlertReplay
{
    /// <summary>A gap between samples longer than this is taken as a daemon stop.</summary>
    public static readonly TimeSpan RestartGap = TimeSpan.FromSeconds(30);

    /// <summary>The daemon's timer tick (PatientStage's).</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Replays <paramref name="samples"/> (in time order) under <paramref name="policy"/>. When they hold the daemon's recorded
    /// ticks, the machine ticks exactly then (the smoother's window expires on ticks, so this reproduces the run); otherwise
    /// it ticks every second.
    /// </summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="policy">The settings to replay with.</param>
    /// <param name="samples">The recorded samples, oldest first.</param>
    /// <returns>Every event the machine emitted, in order.</returns>
    /// <exception cref="ArgumentException">The policy is invalid (the message names each setting).</exception>
    public static IReadOnlyList<AlertEvent> Run(CameraId camera, string bed, AlertPolicy policy, IReadOnlyList<RecordedSample> samples)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(samples);
        policy.ThrowIfInvalid();
        var recordedTicks = samples.Any(s => s.IsTick);
        var events = new List<AlertEvent>();
        PatientAlertMachine? machine = null;
        DateTimeOffset last = default;
        DateTimeOffset nextTick = default;
        foreach (var recorded in samples)
        {
            var at = recorded.At;
            if (machine is not null && at - last > RestartGap)
            {
                events.AddRange(machine.EndAll(AlertCause.Restarted, last));
                machine = null;
            }

            if (machine is null)
            {
                machine = new PatientAlertMachine(camera, bed, policy);
                nextTick = at + TickInterval;
            }

            if (recorded.IsTick)
            {
                events.AddRange(machine.Tick(at));
                last = at;
                continue;
            }

            while (!recordedTicks && nextTick <= at)
            {
                events.AddRange(machine.Tick(nextTick));
                nextTick += TickInterval;
            }

            events.AddRange(machine.Step(recorded.ToSample(), at));
            last = at;
        }

        return events;
    }

    /// <summary>Folds events into episodes, in the order they opened.</summary>
    /// <param name="events">The events, in order.</param>
    /// <returns>The episodes.</returns>
    public static IReadOnlyList<ReplayEpisode> Episodes(IEnumerable<AlertEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var order = new List<string>();
        var byId = new Dictionary<string, ReplayEpisode>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!byId.TryGetValue(e.Id, out var episode))
            {
                episode = new ReplayEpisode(e.Id, e.Reason, e.StartedAt, e.Ts, null, null, e.Peak, e.Priority, 0);
                order.Add(e.Id);
            }

            episode = episode with
            {
                Peak = e.Peak is { } p && (episode.Peak is not { } q || p > q) ? p : episode.Peak,
                Priority = e.Priority > episode.Priority ? e.Priority : episode.Priority,
                Updates = episode.Updates + (e.Type == AlertEventType.Update ? 1 : 0),
                EndedAt = e.Type == AlertEventType.End ? e.Ts : episode.EndedAt,
                EndCause = e.Type == AlertEventType.End ? e.Cause : episode.EndCause,
            };
            byId[e.Id] = episode;
        }

        return order.ConvertAll(id => byId[id]);
    }
}
