// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Alerting;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Hosting.History;
using PainStream.Testing;

namespace PainStream.Daemon.Tests;

/// <summary>The score history store: what it keeps, for how long, how much, and that replay over it matches the live machine.</summary>
public sealed class ScoreHistoryStoreTests
{
    private static readonly CameraId Camera = new("ward-1");
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Samples_ticks_and_events_are_stored_and_read_back_per_bed_in_order()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        using var store = Open(dir.File("h.db"), time, new HistoryOptions());
        store.RecordSample(Camera, "bed-1", Start, new ScoreSample(3.25, 0.9), 2.5, PainAlertState.Pending);
        store.RecordSample(Camera, "bed-1", Start.AddMilliseconds(200), ScoreSample.CannotScore("head turned"), 2.4, PainAlertState.Pending);
        store.RecordTick(Camera, "bed-1", Start.AddMilliseconds(300));
        store.RecordSample(Camera, "bed-2", Start.AddMilliseconds(100), new ScoreSample(1, 1), 1, PainAlertState.Idle);
        store.RecordEvent(Event("e1", AlertEventType.New, Start.AddSeconds(1)));
        Assert.Equal(5, store.Flush());

        var samples = ScoreHistoryStore.ReadSamples(store.Path, "ward-1", "bed-1", Start, Start.AddMinutes(1));
        Assert.Equal(2, samples.Count);
        Assert.Equal(new HistorySample(Start, 3.25, 0.9, 2.5, PainAlertState.Pending, null), samples[0]);
        Assert.Equal(new HistorySample(Start.AddMilliseconds(200), null, 0, 2.4, PainAlertState.Pending, "head turned"), samples[1]);

        var withTicks = ScoreHistoryStore.ReadSamples(store.Path, "ward-1", "bed-1", Start, Start.AddMinutes(1), ticks: true);
        Assert.Equal(3, withTicks.Count);
        Assert.True(withTicks[2].IsTick);

        var events = ScoreHistoryStore.ReadEvents(store.Path, "ward-1", "bed-1", Start, Start.AddMinutes(1));
        var e = Assert.Single(events);
        Assert.Equal(("e1", AlertEventType.New, AlertReason.Pain, AlertPriority.Low, 5.5), (e.Id, e.Type, e.Reason, e.Priority, e.Peak!.Value));
        Assert.Empty(ScoreHistoryStore.ReadEvents(store.Path, "ward-1", "bed-2", Start, Start.AddMinutes(1)));
        Assert.Equal([("ward-1", "bed-1"), ("ward-1", "bed-2")], ScoreHistoryStore.ReadBeds(store.Path));
        Assert.Equal(4, store.SampleCount); // rows: three samples and a tick
    }

    [Fact]
    public void Prune_deletes_samples_and_events_older_than_the_retention_only()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        using var store = Open(dir.File("h.db"), time, new HistoryOptions { RetentionHours = 1 });
        for (var minute = 0; minute < 120; minute++)
        {
            store.RecordSample(Camera, "bed-1", Start.AddMinutes(minute), new ScoreSample(minute, 1), null, PainAlertState.Idle);
        }

        store.RecordEvent(Event("old", AlertEventType.New, Start.AddMinutes(10)));
        store.RecordEvent(Event("new", AlertEventType.New, Start.AddMinutes(100)));
        store.Flush();
        time.SetUtcNow(Start.AddMinutes(120));

        Assert.Equal(60, store.Prune());

        var kept = ScoreHistoryStore.ReadSamples(store.Path, "ward-1", "bed-1", Start, Start.AddHours(3));
        Assert.Equal(60, kept.Count);
        Assert.Equal(60, kept[0].Pspi);
        Assert.Equal(60, store.SampleCount);
        Assert.Equal("new", Assert.Single(ScoreHistoryStore.ReadEvents(store.Path, "ward-1", "bed-1", Start, Start.AddHours(3))).Id);
    }

    [Fact]
    public void Beyond_MaxSamples_the_oldest_samples_go_first()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        using var store = Open(dir.File("h.db"), time, new HistoryOptions { MaxSamples = 10_000 });
        for (var i = 0; i < 12_500; i++)
        {
            store.RecordSample(Camera, i % 2 == 0 ? "bed-1" : "bed-2", Start.AddMilliseconds(i * 10), new ScoreSample(i % 16, 1), null, PainAlertState.Idle);
        }

        store.Flush();
        Assert.Equal(2_500, store.Prune());
        Assert.Equal(10_000, store.SampleCount);
        var bed1 = ScoreHistoryStore.ReadSamples(store.Path, "ward-1", "bed-1", Start, Start.AddHours(1));
        var bed2 = ScoreHistoryStore.ReadSamples(store.Path, "ward-1", "bed-2", Start, Start.AddHours(1));
        Assert.Equal(10_000, bed1.Count + bed2.Count);
        Assert.Equal(Start.AddMilliseconds(2_500 * 10), bed1[0].At);
    }

    [Fact]
    public void The_queue_is_bounded_and_counts_what_it_drops()
    {
        using var dir = new TempDirectory();
        using var store = Open(dir.File("h.db"), new FakeTimeProvider(Start), new HistoryOptions());
        for (var i = 0; i < ScoreHistoryStore.QueueCapacity + 123; i++)
        {
            store.RecordSample(Camera, "bed-1", Start.AddMilliseconds(i), new ScoreSample(1, 1), null, PainAlertState.Idle);
        }

        Assert.Equal(123, store.Dropped);
        Assert.Equal(ScoreHistoryStore.QueueCapacity, store.Flush());

        // The oldest were dropped: the first sample kept is number 123.
        Assert.Equal(Start.AddMilliseconds(123), ScoreHistoryStore.ReadSamples(store.Path, "ward-1", "bed-1", Start, Start.AddHours(1))[0].At);
    }

    [Fact]
    public void Reopening_keeps_the_beds_and_the_count()
    {
        using var dir = new TempDirectory();
        var path = dir.File("h.db");
        using (var store = Open(path, new FakeTimeProvider(Start), new HistoryOptions()))
        {
            store.RecordSample(Camera, "bed-1", Start, new ScoreSample(1, 1), null, PainAlertState.Idle);
            store.Flush();
        }

        using var again = Open(path, new FakeTimeProvider(Start), new HistoryOptions());
        again.RecordSample(Camera, "bed-1", Start.AddSeconds(1), new ScoreSample(2, 1), null, PainAlertState.Idle);
        again.Flush();
        Assert.Equal(2, again.SampleCount);
        Assert.Single(ScoreHistoryStore.ReadBeds(path));
    }

    [Fact]
    public void Reading_a_missing_history_names_the_file_and_the_setting()
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<FileNotFoundException>(() => ScoreHistoryStore.ReadSamples(dir.File("none.db"), "ward-1", "bed-1", Start, Start));
        Assert.Contains("none.db", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Http:History:Path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_live_machine_recorded_through_the_store_replays_to_the_same_episodes()
    {
        using var dir = new TempDirectory();
        using var store = Open(dir.File("h.db"), new FakeTimeProvider(Start), new HistoryOptions());
        var machine = new PatientAlertMachine(Camera, "bed-1", AlertPolicy.Default);
        var live = new List<AlertEvent>();
        var random = new Random(42);
        var nextTick = 0.61;
        for (var t = 0.0; t < 180; t += 0.2 + ((random.NextDouble() - 0.5) * 0.05))
        {
            for (; nextTick <= t; nextTick++)
            {
                var tickAt = Start.AddSeconds(nextTick);
                Record(machine.Tick(tickAt));
                store.RecordTick(Camera, "bed-1", tickAt);
            }

            var at = Start.AddSeconds(t);
            var sample = new ScoreSample((t is > 30 and < 60) || (t is > 100 and < 130) ? 7 + random.NextDouble() : random.NextDouble(), 0.9);
            Record(machine.Step(sample, at));
            store.RecordSample(Camera, "bed-1", at, sample, machine.Smoothed, machine.State);
        }

        store.Flush();
        var recorded = ScoreHistoryStore.ReadSamples(store.Path, "ward-1", "bed-1", Start, Start.AddHours(1), ticks: true).ConvertAll(s => s.ToRecorded());
        var replayed = AlertReplay.Episodes(AlertReplay.Run(Camera, "bed-1", AlertPolicy.Default, recorded));
        var actual = AlertReplay.Episodes(ScoreHistoryStore.ReadEvents(store.Path, "ward-1", "bed-1", Start, Start.AddHours(1)));

        Assert.Equal(2, actual.Count(e => e.Reason == AlertReason.Pain));
        Assert.Equal(
            actual.Select(e => (e.Reason, e.StartedAt, e.AnnouncedAt, e.EndedAt, e.EndCause, e.Priority)),
            replayed.Select(e => (e.Reason, e.StartedAt, e.AnnouncedAt, e.EndedAt, e.EndCause, e.Priority)));

        void Record(IReadOnlyList<AlertEvent> events)
        {
            foreach (var e in events)
            {
                live.Add(e);
                store.RecordEvent(e);
            }
        }
    }

    [Fact]
    public async Task A_history_folder_that_cannot_be_made_does_not_stop_the_daemon_and_is_logged()
    {
        // As in a container whose Http:History:Path was left under the read-only install: here a plain file stands where
        // the folder should be, so making the folder fails with an IOException (not a SqliteException).
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("not-a-folder"), "x", TestContext.Current.CancellationToken);
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger<ScoreHistoryStore>();
        using var store = new ScoreHistoryStore(Path.Combine(dir.File("not-a-folder"), "h.db"), new HistoryOptions(), TimeProvider.System, logger);

        await store.StartAsync(TestContext.Current.CancellationToken);
        await store.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(store.ExecuteTask.IsCompletedSuccessfully);
        var entry = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 5103);
        Assert.Contains("cannot be opened", entry.Message, StringComparison.Ordinal);
        store.RecordSample(Camera, "bed-1", Start, new ScoreSample(1, 1), 1, PainAlertState.Idle); // dropped, never throws
        await store.StopAsync(TestContext.Current.CancellationToken);
    }

    private static ScoreHistoryStore Open(string path, TimeProvider time, HistoryOptions options)
    {
        var store = new ScoreHistoryStore(path, options, time, NullLogger<ScoreHistoryStore>.Instance);
        store.Open();
        return store;
    }

    private static AlertEvent Event(string id, AlertEventType type, DateTimeOffset ts) => new()
    {
        Id = id,
        Type = type,
        Cause = AlertCause.Onset,
        Reason = AlertReason.Pain,
        Priority = AlertPriority.Low,
        Camera = Camera,
        Bed = "bed-1",
        StartedAt = ts.AddSeconds(-15),
        Ts = ts,
        Score = 5,
        Peak = 5.5,
    };
}
