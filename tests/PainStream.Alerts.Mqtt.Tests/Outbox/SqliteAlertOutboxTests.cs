// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PainStream.Alerts.Mqtt.Outbox;
using PainStream.Core.Diagnostics;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests.Outbox;

/// <summary>The durable outbox on a real SQLite file: order, acknowledgement, restarts, bounds, corruption, concurrency.</summary>
public sealed class SqliteAlertOutboxTests : IDisposable
{
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    private readonly TempDirectory _directory = new();
    private readonly TestMeterFactory _meters = new();
    private readonly FakeLogger _logger = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));

    private string DbPath => _directory.File("state/outbox.db");

    // Where a fresh file starts its sequence at the test's clock (2026-03-04T05:06:07Z).
    private long Start => _time.GetUtcNow().ToUnixTimeMilliseconds() * SqliteAlertOutbox.SequencesPerMillisecond;

    public void Dispose()
    {
        _meters.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void Enqueue_SeveralBatches_PeekReturnsAllInOrderWithIncreasingSequences()
    {
        using var outbox = Open();

        var first = outbox.Enqueue(Event("a", 1, OutboxKind.New), State("bed-1", 1));
        var second = outbox.Enqueue(Event("a", 2, OutboxKind.Update), State("bed-1", 2));
        var third = outbox.Enqueue(Event("a", 3, OutboxKind.End));

        Assert.Equal(Start + 1, first);
        Assert.Equal(Start + 3, second);
        Assert.Equal(Start + 5, third);
        var entries = outbox.Peek(100);
        Assert.Equal([Start + 1, Start + 2, Start + 3, Start + 4, Start + 5], entries.Select(e => e.Sequence));
        Assert.Equal(["a/1", "state/bed-1/1", "a/2", "state/bed-1/2", "a/3"], entries.Select(e => Encoding.UTF8.GetString(e.Payload)));
        Assert.Equal([OutboxKind.New, OutboxKind.State, OutboxKind.Update, OutboxKind.State, OutboxKind.End], entries.Select(e => e.Kind));
        Assert.Equal([false, true, false, true, false], entries.Select(e => e.Retain));
        Assert.Equal("painstream/cam/bed-1/alert", entries[1].Topic);
        Assert.Equal("a:1", entries[0].DedupeKey);
        Assert.All(entries, e => Assert.Equal(_time.GetUtcNow(), e.EnqueuedAt));
        Assert.Equal(5, outbox.Count);
        Assert.Equal(Start + 5, outbox.LastSequence);
        Assert.Equal([Start + 1, Start + 2], outbox.Peek(2).Select(e => e.Sequence));
        Assert.True(Directory.Exists(_directory.File("state")));
    }

    [Fact]
    public void Enqueue_BuilderGetsTheFirstSequence_SoPayloadsCanCarryIt()
    {
        using var outbox = Open();
        outbox.Enqueue(Event("x", 0, OutboxKind.New));

        var seen = 0L;
        var first = outbox.Enqueue(seq =>
        {
            seen = seq;
            return [Event("a", seq, OutboxKind.New), State("bed-1", seq)];
        });

        Assert.Equal(Start + 2, seen);
        Assert.Equal(Start + 2, first);
        Assert.Equal("a/" + (Start + 2), Encoding.UTF8.GetString(outbox.Peek(10)[1].Payload));
    }

    [Fact]
    public void Enqueue_BuilderThrows_NothingStoredAndNoSequenceUsed()
    {
        using var outbox = Open();
        outbox.Enqueue(Event("a", 1, OutboxKind.New));

        Assert.Throws<InvalidOperationException>(() => outbox.Enqueue(_ => throw new InvalidOperationException("cannot serialise")));

        Assert.Equal(1, outbox.Count);
        Assert.Equal(Start + 2, outbox.Enqueue(Event("a", 2, OutboxKind.End)));
    }

    [Fact]
    public void DeleteThrough_Acknowledged_RemovesOnlyThoseUpToTheSequence()
    {
        using var outbox = Open();
        for (var i = 1; i <= 5; i++)
        {
            outbox.Enqueue(Event("a", i, OutboxKind.Update));
        }

        Assert.Equal(2, outbox.DeleteThrough(Start + 2));

        Assert.Equal([Start + 3, Start + 4, Start + 5], outbox.Peek(10).Select(e => e.Sequence));
        Assert.Equal(3, outbox.Count);
        Assert.Equal(0, outbox.DeleteThrough(Start + 2));
        Assert.Equal(3, outbox.DeleteThrough(Start + 5));
        Assert.Empty(outbox.Peek(10));
        Assert.Equal(0, outbox.Count);
    }

    [Fact]
    public void Reopen_AfterDispose_KeepsQueuedMessagesOrderAndSequence()
    {
        var origin = Start;
        using (var outbox = Open())
        {
            outbox.Enqueue(Event("a", 1, OutboxKind.New), State("bed-1", 1));
            outbox.Enqueue(Event("a", 3, OutboxKind.Update), State("bed-1", 3));
            outbox.DeleteThrough(origin + 1);
        }

        // Later, so a file that wrongly started afresh would show it.
        _time.Advance(TimeSpan.FromMinutes(5));
        using (var reopened = Open())
        {
            Assert.Equal(3, reopened.Count);
            Assert.Equal(origin + 4, reopened.LastSequence);
            Assert.Equal([origin + 2, origin + 3, origin + 4], reopened.Peek(10).Select(e => e.Sequence));
            Assert.Equal(origin + 5, reopened.Enqueue(Event("a", 5, OutboxKind.End)));
            reopened.DeleteThrough(origin + 5);
        }

        // Emptied, and still no sequence is reused (a subscriber's dedupe key must not repeat).
        using var again = Open();
        Assert.Equal(0, again.Count);
        Assert.Equal(origin + 6, again.Enqueue(Event("b", 6, OutboxKind.New)));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 4013);
    }

    [Fact]
    public void Open_File_IsInWalModeAfterwards()
    {
        using (var outbox = Open())
        {
            outbox.Enqueue(Event("a", 1, OutboxKind.New));
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar() as string);
        command.CommandText = "SELECT COUNT(*) FROM messages";
        Assert.Equal(1L, command.ExecuteScalar());
    }

    [Fact]
    public void Open_SameFileTwice_SecondFailsInsteadOfSharingTheQueue()
    {
        using var outbox = Open();
        outbox.Enqueue(Event("a", 1, OutboxKind.New));

        var ex = Assert.Throws<IOException>(() => new SqliteAlertOutbox(DbPath, 100, Day, _meters, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _time).Dispose());

        Assert.Contains("locked by another process", ex.Message, StringComparison.Ordinal);
        Assert.Equal(5, Assert.IsType<SqliteException>(ex.InnerException).SqliteErrorCode & 0xFF); // SQLITE_BUSY: the first owner holds the exclusive lock.
        Assert.Equal(1, outbox.Count);
        Assert.False(File.Exists(DbPath + ".corrupt-20260304T050607Z"));
    }

    [Fact]
    public void Enqueue_OverBound_DropsOldestUpdatesFirstAndNeverNewOrEnd()
    {
        using var dropped = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttOutboxDropped);
        using var outbox = Open(maxMessages: 4);
        outbox.Enqueue(Event("a", 1, OutboxKind.New));
        outbox.Enqueue(Event("a", 2, OutboxKind.Update));
        outbox.Enqueue(Event("b", 3, OutboxKind.New));
        outbox.Enqueue(Event("a", 4, OutboxKind.Update));

        outbox.Enqueue(Event("a", 5, OutboxKind.End));
        outbox.Enqueue(Event("b", 6, OutboxKind.Update));

        // a/2 went first, then a/4 (the oldest update each time); new and end events stay.
        Assert.Equal(["a/1", "b/3", "a/5", "b/6"], Payloads(outbox));
        Assert.Equal(4, outbox.Count);
        var measurements = dropped.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Sum(m => m.Value));
        Assert.All(measurements, m =>
        {
            Assert.Equal("update", m.Tags[SqliteAlertOutbox.KindTag]);
            Assert.Equal(SqliteAlertOutbox.Overflow, m.Tags[SqliteAlertOutbox.ReasonTag]);
        });
        var warnings = _logger.Collector.GetSnapshot().Where(r => r.Id.Id == 4016).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Equal(LogLevel.Warning, warnings[0].Level);
    }

    [Fact]
    public void Enqueue_OverBound_DropsSupersededBedStatesButKeepsTheNewestPerBed()
    {
        using var dropped = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttOutboxDropped);
        using var outbox = Open(maxMessages: 4);
        outbox.Enqueue(Event("a", 1, OutboxKind.New), State("bed-1", 1));
        outbox.Enqueue(Event("b", 3, OutboxKind.New), State("bed-2", 3));

        // Two more messages: the oldest droppable ones are bed-1's and bed-2's first states, now superseded.
        outbox.Enqueue(Event("a", 5, OutboxKind.End), State("bed-1", 5));
        outbox.Enqueue(Event("b", 7, OutboxKind.End), State("bed-2", 7));

        Assert.Equal(["a/1", "b/3", "a/5", "state/bed-1/5", "b/7", "state/bed-2/7"], Payloads(outbox));
        Assert.Equal(2, dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags[SqliteAlertOutbox.KindTag], "state")).Sum(m => m.Value));
    }

    [Fact]
    public void Enqueue_OverBoundWithOnlyNewAndEnd_KeepsEverythingAndWarnsOnce()
    {
        using var dropped = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttOutboxDropped);
        using var outbox = Open(maxMessages: 3);
        for (var i = 1; i <= 6; i++)
        {
            outbox.Enqueue(Event("e" + i, i, i % 2 == 0 ? OutboxKind.End : OutboxKind.New));
        }

        Assert.Equal(6, outbox.Count);
        Assert.Empty(dropped.GetMeasurementSnapshot());
        Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 4017);

        // Back under the bound re-arms the warning.
        outbox.DeleteThrough(Start + 6);
        for (var i = 7; i <= 10; i++)
        {
            outbox.Enqueue(Event("e" + i, i, OutboxKind.New));
        }

        Assert.Equal(2, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 4017));
    }

    [Fact]
    public void Enqueue_AfterMaxAge_DropsOldUpdatesAndSupersededStatesOnly()
    {
        using var dropped = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttOutboxDropped);
        using var outbox = Open(maxAge: TimeSpan.FromHours(1));
        outbox.Enqueue(Event("a", 1, OutboxKind.New), State("bed-1", 1));
        outbox.Enqueue(Event("a", 3, OutboxKind.Update), State("bed-1", 3));
        outbox.Enqueue(Event("a", 5, OutboxKind.End), State("bed-1", 5));

        _time.Advance(TimeSpan.FromMinutes(61));
        outbox.Enqueue(Event("b", 7, OutboxKind.Update));

        // The old update and the superseded states went; new, end and bed-1's newest state stay however old.
        Assert.Equal(["a/1", "a/5", "state/bed-1/5", "b/7"], Payloads(outbox));
        Assert.Equal(3, dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags[SqliteAlertOutbox.ReasonTag], SqliteAlertOutbox.Age)).Sum(m => m.Value));
    }

    [Fact]
    public void Open_AfterMaxAge_PrunesAtStartToo()
    {
        using (var outbox = Open(maxAge: TimeSpan.FromHours(1)))
        {
            outbox.Enqueue(Event("a", 1, OutboxKind.New));
            outbox.Enqueue(Event("a", 2, OutboxKind.Update));
        }

        _time.Advance(TimeSpan.FromHours(2));
        using var reopened = Open(maxAge: TimeSpan.FromHours(1));

        Assert.Equal(["a/1"], Payloads(reopened));
    }

    [Fact]
    public void Open_GarbageFile_MovedAsideReportedAndFreshOutboxCreated()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbPath)!);
        var garbage = new byte[8192];
        new Random(42).NextBytes(garbage);
        File.WriteAllBytes(DbPath, garbage);

        using var outbox = Open();

        var aside = DbPath + ".corrupt-20260304T050607Z";
        Assert.True(File.Exists(aside), "the corrupt file was not moved aside");
        Assert.Equal(garbage, File.ReadAllBytes(aside));
        Assert.Equal(0, outbox.Count);
        Assert.Equal(Start + 1, outbox.Enqueue(Event("a", 1, OutboxKind.New)));
        var error = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Equal(4014, error.Id.Id);
        Assert.Contains(aside, error.Message, StringComparison.Ordinal);
        Assert.Contains("NOT delivered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FreshFile_SequenceStartsAtTheWallClock()
    {
        using var outbox = Open();

        Assert.Equal(Start, outbox.LastSequence);
        Assert.Equal(1_772_600_767_000_000, Start); // 2026-03-04T05:06:07Z in Unix ms, × 1000
        Assert.True(Start + 1 < (1L << 53), "seq must stay exact in a JavaScript dashboard");
    }

    [Fact]
    public void Open_CorruptFileReplacedAtStart_SequencesContinueAboveTheEarlierFile()
    {
        long last;
        using (var outbox = Open())
        {
            for (var i = 0; i < 50; i++)
            {
                outbox.Enqueue(Event("a", i, OutboxKind.New), State("bed-1", i));
            }

            last = outbox.LastSequence;
        }

        // The daemon restarts a few seconds later and finds the file damaged: it is moved aside and a fresh one created.
        _time.Advance(TimeSpan.FromSeconds(3));
        File.WriteAllText(DbPath, "not a database any more");
        using var fresh = Open();

        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(DbPath)!, "outbox.db.corrupt-*"));
        var first = fresh.Enqueue(Event("b", 1, OutboxKind.New), State("bed-1", 1));
        Assert.True(first > last, $"seq restarted at {first}, below {last} already published: dashboards would ignore the new bed states");
    }

    [Fact]
    public void Enqueue_WithOpenEpisode_KeptWithTheMessagesUntilItsEnd()
    {
        using (var outbox = Open())
        {
            outbox.Enqueue(_ => [Event("a", 1, OutboxKind.New)], new OpenEpisode("cam", "bed-1", "pain", "a/1"u8.ToArray()));
            outbox.Enqueue(_ => [Event("b", 2, OutboxKind.New)], new OpenEpisode("cam", "bed-2", "camera_offline", "b/2"u8.ToArray()));
            outbox.Enqueue(_ => [Event("a", 3, OutboxKind.Update)], new OpenEpisode("cam", "bed-1", "pain", "a/3"u8.ToArray()));
            outbox.DeleteThrough(outbox.LastSequence); // delivered: the episodes are still open
        }

        using var reopened = Open();
        var open = reopened.OpenEpisodes();
        Assert.Equal([("bed-1", "pain", "a/3"), ("bed-2", "camera_offline", "b/2")], open.Select(e => (e.Bed, e.Reason, Encoding.UTF8.GetString(e.Payload!))));

        reopened.Enqueue(_ => [Event("a", 4, OutboxKind.End)], new OpenEpisode("cam", "bed-1", "pain", null));

        Assert.Equal(["bed-2"], reopened.OpenEpisodes().Select(e => e.Bed));
    }

    [Fact]
    public void Enqueue_BuilderThrowsWithAnEpisode_EpisodeNotStoredEither()
    {
        using var outbox = Open();

        Assert.Throws<InvalidOperationException>(() => outbox.Enqueue(_ => throw new InvalidOperationException("cannot serialise"), new OpenEpisode("cam", "bed-1", "pain", [1])));

        Assert.Empty(outbox.OpenEpisodes());
    }

    [Fact]
    public void Open_DamagedPages_MovedAsideNotSilentlyEmptied()
    {
        using (var outbox = Open())
        {
            for (var i = 1; i <= 300; i++)
            {
                outbox.Enqueue(Event("a", i, OutboxKind.Update));
            }
        }

        // Checkpointed on close: the rows live in the main file. Overwrite the pages after the header page.
        var bytes = File.ReadAllBytes(DbPath);
        Assert.True(bytes.Length > 3 * 4096, $"database unexpectedly small: {bytes.Length} B");
        using (var file = new FileStream(DbPath, FileMode.Open, FileAccess.Write))
        {
            file.Position = 4096;
            file.Write(Enumerable.Repeat((byte)0xA5, bytes.Length - 4096).ToArray());
        }

        using var reopened = Open();

        Assert.Equal(0, reopened.Count);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(DbPath)!, "outbox.db.corrupt-*"));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 4014 && r.Level == LogLevel.Error);
    }

    [Fact]
    public void Open_TwoCorruptionsInTheSameSecond_BothKept()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbPath)!);
        File.WriteAllText(DbPath, "not a database, first");
        Open().Dispose();
        File.WriteAllText(DbPath, "not a database, second");
        Open().Dispose();

        Assert.Equal("not a database, first", File.ReadAllText(DbPath + ".corrupt-20260304T050607Z"));
        Assert.Equal("not a database, second", File.ReadAllText(DbPath + ".corrupt-20260304T050607Z-1"));
    }

    [Fact]
    public async Task Enqueue_ConcurrentWithDelivery_EverythingDeliveredOnceInOrder()
    {
        const int Batches = 400;
        using var outbox = Open(maxMessages: 100_000);
        var ct = TestContext.Current.CancellationToken;
        var writing = Task.Run(
            () =>
            {
                for (var i = 0; i < Batches; i++)
                {
                    outbox.Enqueue(seq => [Event("e", seq, OutboxKind.New), State("bed-" + (i % 3), seq)]);
                }
            },
            ct);

        var delivered = new List<long>();
        while (delivered.Count < Batches * 2)
        {
            ct.ThrowIfCancellationRequested();
            var batch = outbox.Peek(7);
            if (batch.Count == 0)
            {
                Assert.False(writing.IsFaulted, writing.Exception?.ToString());
                await Task.Yield();
                continue;
            }

            delivered.AddRange(batch.Select(e => e.Sequence));
            outbox.DeleteThrough(batch[^1].Sequence);
        }

        await writing;
        Assert.Equal(Enumerable.Range(1, Batches * 2).Select(i => Start + i), delivered);
        Assert.Equal(0, outbox.Count);
    }

    [Fact]
    public void Dispose_Twice_IsHarmlessAndLaterUseThrows()
    {
        var outbox = Open();
        outbox.Dispose();
        outbox.Dispose();

        Assert.Throws<ObjectDisposedException>(() => outbox.Enqueue(Event("a", 1, OutboxKind.New)));
        Assert.Throws<ObjectDisposedException>(() => outbox.Peek(1));
    }

    [Fact]
    public void Depth_Gauge_ReportsQueuedMessages()
    {
        using var depth = new MetricCollector<int>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttOutboxDepth);
        using var outbox = Open();
        outbox.Enqueue(Event("a", 1, OutboxKind.New), State("bed-1", 1));

        depth.RecordObservableInstruments();

        Assert.Equal(2, depth.LastMeasurement?.Value);
    }

    internal static OutboxMessage Event(string id, long seq, OutboxKind kind) =>
        new("painstream/alerts", Encoding.UTF8.GetBytes(id + "/" + seq), Retain: false, kind, id + ":" + seq);

    internal static OutboxMessage State(string bed, long seq) =>
        new("painstream/cam/" + bed + "/alert", Encoding.UTF8.GetBytes("state/" + bed + "/" + seq), Retain: true, OutboxKind.State, "cam/" + bed + ":" + seq);

    private static List<string> Payloads(SqliteAlertOutbox outbox) => [.. outbox.Peek(1000).Select(e => Encoding.UTF8.GetString(e.Payload))];

    private SqliteAlertOutbox Open(int maxMessages = 1000, TimeSpan? maxAge = null) =>
        new(DbPath, maxMessages, maxAge ?? Day, _meters, _logger, _time);
}
