// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Alerting;

/// <summary>The latest event of an open episode and the outbox sequence it was stored under.</summary>
/// <param name="Event">The episode's latest event.</param>
/// <param name="Sequence">The sequence of that event.</param>
public readonly record struct OpenAlert(AlertEvent Event, long Sequence);

/// <summary>
/// A bed's alert state projected from its episode events: the open episodes and which of them is shown first. Pure and
/// immutable: <see cref="Apply"/> returns the next state and leaves this one as it was (a failed store keeps the old state).
/// </summary>
/// <remarks>
/// <see cref="Primary"/> is the open pain episode when there is one, otherwise the most urgent open technical alarm
/// (highest priority, then the oldest, then a fixed order of reasons); <see cref="Technical"/> lists every open technical
/// alarm in that order, so a technical alarm shown as <see cref="Primary"/> is listed there too.
/// </remarks>
public sealed class BedAlertState
{
    private readonly Dictionary<AlertReason, OpenAlert> _open;

    private BedAlertState(Dictionary<AlertReason, OpenAlert> open)
    {
        _open = open;
        var technical = new List<OpenAlert>(open.Count);
        foreach (var (reason, alert) in open)
        {
            if (reason != AlertReason.Pain)
            {
                technical.Add(alert);
            }
        }

        technical.Sort(static (a, b) =>
        {
            var byPriority = b.Event.Priority.CompareTo(a.Event.Priority);
            if (byPriority != 0)
            {
                return byPriority;
            }

            var byStart = a.Event.StartedAt.CompareTo(b.Event.StartedAt);
            return byStart != 0 ? byStart : a.Event.Reason.CompareTo(b.Event.Reason);
        });
        Technical = technical;
        Primary = open.TryGetValue(AlertReason.Pain, out var pain) ? pain : (technical.Count > 0 ? technical[0] : null);
    }

    /// <summary>Gets the state of a bed with no open episode.</summary>
    public static BedAlertState None { get; } = new([]);

    /// <summary>Gets the open episodes by reason.</summary>
    public IReadOnlyDictionary<AlertReason, OpenAlert> Open => _open;

    /// <summary>Gets a value indicating whether at least one episode is open.</summary>
    public bool IsActive => _open.Count > 0;

    /// <summary>Gets the episode shown first (pain, else the most urgent technical alarm), or <see langword="null"/> when none is open.</summary>
    public OpenAlert? Primary { get; }

    /// <summary>Gets the open technical alarms, most urgent first.</summary>
    public IReadOnlyList<OpenAlert> Technical { get; }

    /// <summary>Returns the state after <paramref name="alert"/>: an <c>end</c> closes its episode, any other event opens or updates it.</summary>
    /// <param name="alert">The event.</param>
    /// <param name="sequence">The sequence it is stored under.</param>
    /// <returns>The next state.</returns>
    public BedAlertState Apply(AlertEvent alert, long sequence)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var next = new Dictionary<AlertReason, OpenAlert>(_open);
        if (alert.Type == AlertEventType.End)
        {
            next.Remove(alert.Reason);
        }
        else
        {
            next[alert.Reason] = new OpenAlert(alert, sequence);
        }

        return next.Count == 0 ? None : new BedAlertState(next);
    }
}
