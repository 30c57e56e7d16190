// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;

namespace PainStream.Core.Publishing;

/// <summary>
/// Delivers pain and technical alert events and score reports to the nurse station (DESIGN.md §6).
/// </summary>
/// <remarks>
/// Alert events are durable: <see cref="EnqueueAlertAsync"/> returns once the event is stored in the outbox, and it is
/// removed only after the broker acknowledged it, so a broker outage or a restart loses nothing. Scores are best effort
/// (QoS 0, dropped while disconnected).
/// </remarks>
public interface IAlertPublisher
{
    /// <summary>Stores the event durably and schedules its delivery (episode event and the bed's retained state).</summary>
    /// <param name="alert">The event.</param>
    /// <param name="cancellationToken">Cancels the wait for the store.</param>
    /// <returns>A task that completes when the event is stored.</returns>
    ValueTask EnqueueAlertAsync(AlertEvent alert, CancellationToken cancellationToken);

    /// <summary>Publishes a throttled score report (the caller throttles, ≈1 Hz per bed).</summary>
    /// <param name="report">The report.</param>
    void PublishScore(ScoreReport report);
}
