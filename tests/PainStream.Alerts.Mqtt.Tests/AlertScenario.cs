// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Frames;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>Real episode events from a <see cref="PatientAlertMachine"/> driven step by step with made-up scores and times.</summary>
internal static class AlertScenario
{
    public static readonly AlertPolicy FastPolicy = AlertPolicy.Default with
    {
        Dwell = TimeSpan.FromSeconds(2),
        Hold = TimeSpan.FromSeconds(2),
        SmoothingWindow = TimeSpan.FromSeconds(1),
        SmoothingTimeConstant = TimeSpan.Zero,
    };

    public static readonly IReadOnlyDictionary<string, double> Explanation = new Dictionary<string, double>
    {
        ["au4"] = 2.3456,
        ["au6_7"] = 3.1,
        ["au9_10"] = 0.5,
        ["au43"] = 0,
    };

    /// <summary>
    /// A pain episode (new, peak-rise update, acknowledged update, end) with a camera-offline alarm (new, end) inside it,
    /// then a second, short pain episode that ends with a snooze.
    /// </summary>
    public static List<AlertEvent> PainWithTechnicalAlarm(string camera = "ward3", string bed = "bed-12")
    {
        var machine = new PatientAlertMachine(new CameraId(camera), bed, FastPolicy);
        var t = PublisherHarness.T0;
        var events = new List<AlertEvent>();
        void Run(double pspi, double seconds)
        {
            for (var s = 0.0; s < seconds; s += 0.5)
            {
                events.AddRange(machine.Step(new ScoreSample(pspi, 0.9), t));
                t = t.AddSeconds(0.5);
            }
        }

        Run(8, 4);
        Run(12, 2);
        events.AddRange(machine.Acknowledge(t));
        events.AddRange(machine.SetCameraOnline(false, t));
        t = t.AddSeconds(3);
        events.AddRange(machine.SetCameraOnline(true, t));
        Run(0, 5);
        Run(9, 4);
        events.AddRange(machine.Snooze(15, t));

        // The pipeline sets the model and explanation on pain events.
        return events.ConvertAll(e => e.Reason == AlertReason.Pain ? e with { Model = "geometric", Explanation = Explanation } : e);
    }

    /// <summary>Hand-made events of one pain episode: new, <paramref name="updates"/> updates, end.</summary>
    public static List<AlertEvent> Episode(string camera, string bed, int updates, DateTimeOffset? start = null, AlertReason reason = AlertReason.Pain)
    {
        var t0 = start ?? PublisherHarness.T0;
        var id = Guid.CreateVersion7(t0).ToString("N");
        var pain = reason == AlertReason.Pain;
        AlertEvent Make(AlertEventType type, AlertCause cause, int i) => new()
        {
            Id = id,
            Type = type,
            Cause = cause,
            Reason = reason,
            Priority = i > 2 ? AlertPriority.Medium : AlertPriority.Low,
            Camera = new CameraId(camera),
            Bed = bed,
            StartedAt = t0,
            Ts = t0.AddSeconds(i),
            Score = pain ? 5 + (i % 5) : null,
            Peak = pain ? 5 + Math.Min(i, 10) : null,
            Model = pain ? "geometric" : null,
        };

        var events = new List<AlertEvent> { Make(AlertEventType.New, AlertCause.Onset, 0) };
        for (var i = 1; i <= updates; i++)
        {
            events.Add(Make(AlertEventType.Update, AlertCause.PeakRise, i));
        }

        events.Add(Make(AlertEventType.End, AlertCause.Resolved, updates + 1));
        return events;
    }
}
