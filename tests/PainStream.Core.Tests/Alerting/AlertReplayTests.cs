// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Frames;

namespace PainStream.Core.Tests.Alerting;

/// <summary>Replay of recorded steps and ticks against a live <see cref="PatientAlertMachine"/>.</summary>
public sealed class AlertReplayTests
{
    private static readonly CameraId Camera = new("ward-1");
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Replay_with_the_running_policy_reproduces_the_live_episodes()
    {
        var (recorded, live) = LiveRun(AlertPolicy.Default, seed: 7);
        Assert.Contains(live, e => e.Type == AlertEventType.New && e.Reason == AlertReason.Pain);
        Assert.Contains(live, e => e.Type == AlertEventType.End && e.Cause == AlertCause.Resolved);

        var replayed = AlertReplay.Run(Camera, "bed-1", AlertPolicy.Default, recorded);

        // Same inputs at the same instants (steps and ticks): the same events, with other episode ids only.
        Assert.Equal(live.Count, replayed.Count);
        for (var i = 0; i < live.Count; i++)
        {
            Assert.Equal(live[i] with { Id = "x" }, replayed[i] with { Id = "x" });
        }

        var liveEpisodes = AlertReplay.Episodes(live);
        var replayEpisodes = AlertReplay.Episodes(replayed);
        Assert.Equal(liveEpisodes.Select(e => (e.Reason, e.StartedAt, e.AnnouncedAt, e.EndedAt, e.EndCause, e.Peak)), replayEpisodes.Select(e => (e.Reason, e.StartedAt, e.AnnouncedAt, e.EndedAt, e.EndCause, e.Peak)));
    }

    [Fact]
    public void A_higher_on_threshold_raises_no_episode_and_a_shorter_dwell_alerts_earlier()
    {
        var (recorded, live) = LiveRun(AlertPolicy.Default, seed: 3);
        var first = AlertReplay.Episodes(live).First(e => e.Reason == AlertReason.Pain);

        var strict = AlertReplay.Episodes(AlertReplay.Run(Camera, "bed-1", AlertPolicy.Default with { OnThreshold = 12 }, recorded));
        Assert.DoesNotContain(strict, e => e.Reason == AlertReason.Pain);

        var quick = AlertReplay.Episodes(AlertReplay.Run(Camera, "bed-1", AlertPolicy.Default with { Dwell = TimeSpan.FromSeconds(3) }, recorded));
        var quickFirst = quick.First(e => e.Reason == AlertReason.Pain);
        Assert.True(quickFirst.AnnouncedAt < first.AnnouncedAt - TimeSpan.FromSeconds(10), $"{quickFirst.AnnouncedAt:O} vs {first.AnnouncedAt:O}");
    }

    [Fact]
    public void Without_recorded_ticks_replay_ticks_every_second_and_finds_the_same_episodes_within_a_second()
    {
        var (recorded, live) = LiveRun(AlertPolicy.Default, seed: 11);
        var samplesOnly = recorded.Where(r => !r.IsTick).ToList();
        var live1 = AlertReplay.Episodes(live);
        var replayed = AlertReplay.Episodes(AlertReplay.Run(Camera, "bed-1", AlertPolicy.Default, samplesOnly));
        Assert.Equal(live1.Count, replayed.Count);
        for (var i = 0; i < live1.Count; i++)
        {
            Assert.Equal(live1[i].Reason, replayed[i].Reason);
            Assert.InRange((replayed[i].AnnouncedAt - live1[i].AnnouncedAt).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
        }
    }

    [Fact]
    public void A_gap_longer_than_the_restart_gap_ends_open_episodes_as_a_restart_does()
    {
        var (recorded, _) = LiveRun(AlertPolicy.Default, seed: 5, painFrom: 10, painSeconds: 200, total: 60);
        var later = recorded.Select(r => r with { At = r.At + TimeSpan.FromMinutes(10) });
        var episodes = AlertReplay.Episodes(AlertReplay.Run(Camera, "bed-1", AlertPolicy.Default, [.. recorded, .. later]));
        Assert.Contains(episodes, e => e.Reason == AlertReason.Pain && e.EndCause == AlertCause.Restarted);
    }

    [Fact]
    public void An_invalid_policy_is_refused_with_the_setting_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => AlertReplay.Run(Camera, "bed-1", AlertPolicy.Default with { OffThreshold = 5 }, []));
        Assert.Contains("OffThreshold", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A live bed: steps at ≈5 Hz with jitter and noise (pain between <paramref name="painFrom"/> and +<paramref name="painSeconds"/>),
    /// ticks every second at another phase, as PatientStage does; every step and tick recorded as the history store does.
    /// </summary>
    private static (List<RecordedSample> Recorded, List<AlertEvent> Events) LiveRun(AlertPolicy policy, int seed, double painFrom = 20, double painSeconds = 25, double total = 120)
    {
        var random = new Random(seed);
        var machine = new PatientAlertMachine(Camera, "bed-1", policy);
        var recorded = new List<RecordedSample>();
        var events = new List<AlertEvent>();
        var t = 0.0;
        var nextTick = 0.37;
        while (t < total)
        {
            t += 0.2 + ((random.NextDouble() - 0.5) * 0.08);
            while (nextTick <= t)
            {
                var tickAt = Start + TimeSpan.FromSeconds(nextTick);
                events.AddRange(machine.Tick(tickAt));
                recorded.Add(new RecordedSample(tickAt, null, 0, null, IsTick: true));
                nextTick += 1;
            }

            var at = Start + TimeSpan.FromSeconds(t);
            RecordedSample sample;
            if (random.NextDouble() < 0.05)
            {
                sample = new RecordedSample(at, null, 0, "no face");
            }
            else
            {
                var pain = t >= painFrom && t < painFrom + painSeconds ? 7 : 0.5;
                sample = new RecordedSample(at, Math.Max(0, pain + ((random.NextDouble() - 0.5) * 2)), 0.6 + (random.NextDouble() * 0.4), null);
            }

            events.AddRange(machine.Step(sample.ToSample(), at));
            recorded.Add(sample);
        }

        return (recorded, events);
    }
}
