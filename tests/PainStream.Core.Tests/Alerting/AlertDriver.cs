// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Alerting;
using PainStream.Core.Frames;

namespace PainStream.Core.Tests.Alerting;

/// <summary>Drives a <see cref="PatientAlertMachine"/> with <see cref="FakeTimeProvider"/> timestamps and records its events.</summary>
internal sealed class AlertDriver
{
    /// <summary>Smoothing turned off (each sample alone in its window, no average), for exact timing assertions.</summary>
    public static readonly AlertPolicy Raw = AlertPolicy.Default with
    {
        SmoothingWindow = TimeSpan.FromMilliseconds(1),
        SmoothingTimeConstant = TimeSpan.Zero,
    };

    public AlertDriver(AlertPolicy? policy = null)
    {
        Machine = new PatientAlertMachine(new CameraId("ward-1"), "bed-2", policy ?? AlertPolicy.Default);
    }

    public FakeTimeProvider Time { get; } = new();

    public PatientAlertMachine Machine { get; }

    public List<AlertEvent> Events { get; } = [];

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Feeds <paramref name="pspi"/> every <paramref name="stepMs"/> for <paramref name="duration"/>.</summary>
    public AlertDriver Feed(double pspi, TimeSpan duration, int stepMs = 200, double confidence = 0.9)
    {
        var end = Now + duration;
        while (Now < end)
        {
            Time.Advance(TimeSpan.FromMilliseconds(stepMs));
            Events.AddRange(Machine.Step(new ScoreSample(pspi, confidence), Now));
        }

        return this;
    }

    /// <summary>Feeds <paramref name="pspi"/> until the first event or <paramref name="limit"/>; returns that event.</summary>
    public AlertEvent? FeedUntilEvent(double pspi, TimeSpan limit, int stepMs = 200)
    {
        var before = Events.Count;
        var end = Now + limit;
        while (Now < end && Events.Count == before)
        {
            Feed(pspi, TimeSpan.FromMilliseconds(stepMs), stepMs);
        }

        return Events.Count > before ? Events[before] : null;
    }

    /// <summary>Feeds "cannot score" samples (a face that fails the gate, or none) every second for <paramref name="duration"/>.</summary>
    public AlertDriver FeedCannotScore(TimeSpan duration, string reason = "head turned away")
    {
        var end = Now + duration;
        while (Now < end)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            Events.AddRange(Machine.Step(ScoreSample.CannotScore(reason), Now));
        }

        return this;
    }

    /// <summary>Ticks every second for <paramref name="duration"/> without samples.</summary>
    public AlertDriver Tick(TimeSpan duration)
    {
        var end = Now + duration;
        while (Now < end)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            Events.AddRange(Machine.Tick(Now));
        }

        return this;
    }

    public void Record(IReadOnlyList<AlertEvent> events) => Events.AddRange(events);

    public string Summary() => string.Join(", ", Events.Select(e => $"{e.Reason}:{e.Type}:{e.Cause}:{e.Priority}"));
}
