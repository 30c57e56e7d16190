// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using PainStream.Alerts.Mqtt.Outbox;
using PainStream.Core.Alerting;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Publishing;

namespace PainStream.Hosting.History;

/// <summary>One stored sample, as served by <c>/api/history</c>.</summary>
/// <param name="At">The machine's clock at the step.</param>
/// <param name="Pspi">The raw score, or <see langword="null"/>.</param>
/// <param name="Confidence">The confidence.</param>
/// <param name="Smoothed">The smoothed score after the step.</param>
/// <param name="State">The bed's state after the step.</param>
/// <param name="Quality">Why the frame could not be scored, or <see langword="null"/>.</param>
/// <param name="IsTick">Whether this row is a timer tick of the machine, not a sample.</param>
internal readonly record struct HistorySample(DateTimeOffset At, double? Pspi, double Confidence, double? Smoothed, PainAlertState State, string? Quality, bool IsTick = false)
{
    /// <summary>Gets the sample as replay takes it.</summary>
    public RecordedSample ToRecorded() => new(At, Pspi, Confidence, Quality, IsTick);
}

/// <summary>One stored alert event.</summary>
/// <param name="Event">The event (without explanation).</param>
internal readonly record struct HistoryEvent(AlertEvent Event);

/// <summary>
/// The score history (issue 11): every sample each bed's alert machine was stepped with, and every alert event, in a local
/// SQLite file (WAL), kept for <c>Http:History:RetentionHours</c> and at most <c>Http:History:MaxSamples</c> samples
/// (the oldest go first). Recording never blocks the pipeline: rows go through a bounded queue (the oldest dropped, and
/// counted, when the writer falls behind) and are written once a second in one transaction. Reads open their own
/// connection, so the HTTP endpoint and <c>painstream replay</c> never wait for the writer.
/// </summary>
internal sealed class ScoreHistoryStore : BackgroundService, IScoreRecorder
{
    /// <summary>The queue bound between the pipeline and the writer.</summary>
    internal const int QueueCapacity = 200_000;

    private static readonly TimeSpan WriteInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly Channel<Row> _queue;
    private readonly HistoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Camera, string Bed), long> _bedIds = [];
    private SqliteConnection? _writer;
    private long _sampleCount;
    private long _dropped;
    private DateTimeOffset _nextPrune;

    /// <summary>Initializes a new instance of the <see cref="ScoreHistoryStore"/> class.</summary>
    /// <param name="path">The SQLite file (created with its folder).</param>
    /// <param name="options">Retention and bound.</param>
    /// <param name="time">The clock (pruning).</param>
    /// <param name="logger">The logger.</param>
    public ScoreHistoryStore(string path, HistoryOptions options, TimeProvider time, ILogger<ScoreHistoryStore> logger)
    {
        Path = path;
        _options = options;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<Row>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>Gets the SQLite file.</summary>
    public string Path { get; }

    /// <summary>Gets the number of rows dropped because the writer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets the number of sample rows stored, timer ticks included (after the last write or prune); <c>MaxSamples</c> bounds it.</summary>
    public long SampleCount => Interlocked.Read(ref _sampleCount);

    /// <inheritdoc/>
    public void RecordSample(CameraId camera, string bed, DateTimeOffset at, in ScoreSample sample, double? smoothed, PainAlertState state) =>
        _queue.Writer.TryWrite(new Row(camera.Value, bed, at.UtcTicks, sample.IsScorable ? sample.Pspi : null, sample.IsScorable ? sample.Confidence : 0, smoothed, state, sample.IsScorable ? null : sample.CannotScoreReason ?? "unknown", null));

    /// <inheritdoc/>
    public void RecordTick(CameraId camera, string bed, DateTimeOffset at) =>
        _queue.Writer.TryWrite(new Row(camera.Value, bed, at.UtcTicks, null, 0, null, default, null, null, IsTick: true));

    /// <inheritdoc/>
    public void RecordEvent(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        _queue.Writer.TryWrite(new Row(alert.Camera.Value, alert.Bed, alert.Ts.UtcTicks, null, 0, null, default, null, alert));
    }

    /// <summary>Opens (creating if needed) the file and its tables. Called by <see cref="ExecuteAsync"/>; public for tests.</summary>
    public void Open()
    {
        if (_writer is not null)
        {
            return;
        }

        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var connection = Connect(Path, SqliteOpenMode.ReadWriteCreate);
        try
        {
            SqliteFile.UseWal(connection, "NORMAL");
            SqliteFile.Execute(connection, """
                CREATE TABLE IF NOT EXISTS beds(id INTEGER PRIMARY KEY, camera TEXT NOT NULL, bed TEXT NOT NULL, UNIQUE(camera, bed));
                CREATE TABLE IF NOT EXISTS samples(bed INTEGER NOT NULL, ts INTEGER NOT NULL, pspi REAL, confidence REAL NOT NULL,
                    smoothed REAL, level INTEGER NOT NULL, quality TEXT, tick INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX IF NOT EXISTS samples_bed_ts ON samples(bed, ts);
                CREATE TABLE IF NOT EXISTS events(bed INTEGER NOT NULL, ts INTEGER NOT NULL, id TEXT NOT NULL, type INTEGER NOT NULL,
                    reason INTEGER NOT NULL, cause INTEGER NOT NULL, priority INTEGER NOT NULL, started INTEGER NOT NULL, score REAL,
                    peak REAL, acknowledged INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS events_bed_ts ON events(bed, ts);
                """);
            using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT id, camera, bed FROM beds";
                using var reader = read.ExecuteReader();
                while (reader.Read())
                {
                    _bedIds[(reader.GetString(1), reader.GetString(2))] = reader.GetInt64(0);
                }
            }

            Interlocked.Exchange(ref _sampleCount, Convert.ToInt64(SqliteFile.Scalar(connection, "SELECT count(*) FROM samples"), System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writer = connection;
    }

    /// <summary>Writes everything queued so far in one transaction. Public for tests.</summary>
    /// <returns>The rows written.</returns>
    public int Flush()
    {
        var connection = _writer ?? throw new InvalidOperationException("The history store is not open.");
        if (!_queue.Reader.TryPeek(out _))
        {
            return 0;
        }

        using var transaction = connection.BeginTransaction();
        using var sample = connection.CreateCommand();
        sample.Transaction = transaction;
        sample.CommandText = "INSERT INTO samples(bed, ts, pspi, confidence, smoothed, level, quality, tick) VALUES ($b, $t, $p, $c, $s, $l, $q, $k)";
        var sb = sample.Parameters.Add("$b", SqliteType.Integer);
        var st = sample.Parameters.Add("$t", SqliteType.Integer);
        var sp = sample.Parameters.Add("$p", SqliteType.Real);
        var sc = sample.Parameters.Add("$c", SqliteType.Real);
        var ss = sample.Parameters.Add("$s", SqliteType.Real);
        var sl = sample.Parameters.Add("$l", SqliteType.Integer);
        var sq = sample.Parameters.Add("$q", SqliteType.Text);
        var sk = sample.Parameters.Add("$k", SqliteType.Integer);
        using var evt = connection.CreateCommand();
        evt.Transaction = transaction;
        evt.CommandText = "INSERT INTO events(bed, ts, id, type, reason, cause, priority, started, score, peak, acknowledged) VALUES ($b, $t, $i, $y, $r, $c, $p, $s, $o, $k, $a)";
        var written = 0;
        var samples = 0;
        while (written < QueueCapacity && _queue.Reader.TryRead(out var row))
        {
            var bed = BedId(connection, transaction, row.Camera, row.Bed);
            if (row.Event is { } e)
            {
                evt.Parameters.Clear();
                evt.Parameters.AddWithValue("$b", bed);
                evt.Parameters.AddWithValue("$t", row.Ticks);
                evt.Parameters.AddWithValue("$i", e.Id);
                evt.Parameters.AddWithValue("$y", (int)e.Type);
                evt.Parameters.AddWithValue("$r", (int)e.Reason);
                evt.Parameters.AddWithValue("$c", (int)e.Cause);
                evt.Parameters.AddWithValue("$p", (int)e.Priority);
                evt.Parameters.AddWithValue("$s", e.StartedAt.UtcTicks);
                evt.Parameters.AddWithValue("$o", (object?)e.Score ?? DBNull.Value);
                evt.Parameters.AddWithValue("$k", (object?)e.Peak ?? DBNull.Value);
                evt.Parameters.AddWithValue("$a", e.Acknowledged ? 1 : 0);
                evt.ExecuteNonQuery();
            }
            else
            {
                sb.Value = bed;
                st.Value = row.Ticks;
                sp.Value = (object?)row.Pspi ?? DBNull.Value;
                sc.Value = row.Confidence;
                ss.Value = (object?)row.Smoothed ?? DBNull.Value;
                sl.Value = (int)row.State;
                sq.Value = (object?)row.Quality ?? DBNull.Value;
                sk.Value = row.IsTick ? 1 : 0;
                sample.ExecuteNonQuery();
                samples++;
            }

            written++;
        }

        transaction.Commit();
        Interlocked.Add(ref _sampleCount, samples);
        return written;
    }

    /// <summary>Deletes what is older than the retention and, beyond <c>MaxSamples</c>, the oldest samples. Public for tests.</summary>
    /// <returns>The samples deleted.</returns>
    public long Prune()
    {
        var connection = _writer ?? throw new InvalidOperationException("The history store is not open.");
        var cutoff = (_time.GetUtcNow() - TimeSpan.FromHours(_options.RetentionHours)).UtcTicks;
        long deleted;
        using (var delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM samples WHERE ts < $c";
            delete.Parameters.AddWithValue("$c", cutoff);
            deleted = delete.ExecuteNonQuery();
            delete.CommandText = "DELETE FROM events WHERE ts < $c";
            delete.ExecuteNonQuery();
        }

        var count = Interlocked.Add(ref _sampleCount, -deleted);
        var excess = count - _options.MaxSamples;
        if (excess > 0)
        {
            // rowid follows insertion order, which is time order for every bed: the oldest rows go first.
            using var trim = connection.CreateCommand();
            trim.CommandText = "DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples ORDER BY rowid LIMIT $n)";
            trim.Parameters.AddWithValue("$n", excess);
            var trimmed = trim.ExecuteNonQuery();
            Interlocked.Add(ref _sampleCount, -trimmed);
            deleted += trimmed;
        }

        return deleted;
    }

    /// <summary>Lists the beds that have history.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <returns>Camera and bed of each, sorted.</returns>
    public static IReadOnlyList<(string Camera, string Bed)> ReadBeds(string path)
    {
        using var connection = Connect(path, SqliteOpenMode.ReadOnly);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT camera, bed FROM beds ORDER BY camera, bed";
        using var reader = command.ExecuteReader();
        var beds = new List<(string, string)>();
        while (reader.Read())
        {
            beds.Add((reader.GetString(0), reader.GetString(1)));
        }

        return beds;
    }

    /// <summary>Reads one bed's samples in a period, oldest first.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="from">From (inclusive).</param>
    /// <param name="to">To (inclusive).</param>
    /// <param name="ticks">Whether the recorded ticks are included (replay needs them, a chart does not).</param>
    /// <returns>The samples.</returns>
    public static List<HistorySample> ReadSamples(string path, string camera, string bed, DateTimeOffset from, DateTimeOffset to, bool ticks = false)
    {
        using var connection = Connect(path, SqliteOpenMode.ReadOnly);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.ts, s.pspi, s.confidence, s.smoothed, s.level, s.quality, s.tick FROM samples s JOIN beds b ON b.id = s.bed
            WHERE b.camera = $c AND b.bed = $b AND s.ts BETWEEN $f AND $t AND ($k OR s.tick = 0) ORDER BY s.ts, s.rowid
            """;
        command.Parameters.AddWithValue("$k", ticks);
        command.Parameters.AddWithValue("$c", camera);
        command.Parameters.AddWithValue("$b", bed);
        command.Parameters.AddWithValue("$f", from.UtcTicks);
        command.Parameters.AddWithValue("$t", to.UtcTicks);
        using var reader = command.ExecuteReader();
        var samples = new List<HistorySample>();
        while (reader.Read())
        {
            samples.Add(new HistorySample(
                new DateTimeOffset(reader.GetInt64(0), TimeSpan.Zero),
                reader.IsDBNull(1) ? null : reader.GetDouble(1),
                reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                (PainAlertState)reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt32(6) != 0));
        }

        return samples;
    }

    /// <summary>Reads one bed's alert events in a period, oldest first.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="from">From (inclusive).</param>
    /// <param name="to">To (inclusive).</param>
    /// <returns>The events.</returns>
    public static List<AlertEvent> ReadEvents(string path, string camera, string bed, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = Connect(path, SqliteOpenMode.ReadOnly);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT e.ts, e.id, e.type, e.reason, e.cause, e.priority, e.started, e.score, e.peak, e.acknowledged FROM events e
            JOIN beds b ON b.id = e.bed WHERE b.camera = $c AND b.bed = $b AND e.ts BETWEEN $f AND $t ORDER BY e.ts, e.rowid
            """;
        command.Parameters.AddWithValue("$c", camera);
        command.Parameters.AddWithValue("$b", bed);
        command.Parameters.AddWithValue("$f", from.UtcTicks);
        command.Parameters.AddWithValue("$t", to.UtcTicks);
        using var reader = command.ExecuteReader();
        var events = new List<AlertEvent>();
        while (reader.Read())
        {
            events.Add(new AlertEvent
            {
                Ts = new DateTimeOffset(reader.GetInt64(0), TimeSpan.Zero),
                Id = reader.GetString(1),
                Type = (AlertEventType)reader.GetInt32(2),
                Reason = (AlertReason)reader.GetInt32(3),
                Cause = (AlertCause)reader.GetInt32(4),
                Priority = (AlertPriority)reader.GetInt32(5),
                StartedAt = new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero),
                Score = reader.IsDBNull(7) ? null : reader.GetDouble(7),
                Peak = reader.IsDBNull(8) ? null : reader.GetDouble(8),
                Acknowledged = reader.GetInt32(9) != 0,
                Camera = new CameraId(camera),
                Bed = bed,
            });
        }

        return events;
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // What the pipeline recorded while draining is kept.
            if (_writer is not null)
            {
                Flush();
            }
        }
        catch (SqliteException ex)
        {
            _logger.HistoryWriteFailed(ex, Path);
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            Open();
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            // The history is a tool for integrators, not part of the alert path: without it the daemon still watches (a
            // read-only or missing folder, as in a container whose Http:History:Path was left under the install, included).
            _logger.HistoryUnavailable(ex, Path);
            _queue.Writer.TryComplete();
            return;
        }

        _logger.HistoryOpened(Path, _options.RetentionHours, _options.MaxSamples);
        _nextPrune = _time.GetUtcNow();
        using var timer = new PeriodicTimer(WriteInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Flush();
                    if (_time.GetUtcNow() >= _nextPrune)
                    {
                        _nextPrune = _time.GetUtcNow() + PruneInterval;
                        Prune();
                    }
                }
                catch (SqliteException ex)
                {
                    _logger.HistoryWriteFailed(ex, Path);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes the rest.
        }
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        if (mode == SqliteOpenMode.ReadOnly && !File.Exists(path))
        {
            throw new FileNotFoundException($"no score history at {path} (Http:History:Path)", path);
        }

        var connection = SqliteFile.Open(path, mode);
        if (mode == SqliteOpenMode.ReadOnly)
        {
            SqliteFile.Execute(connection, "PRAGMA busy_timeout=5000");
        }

        return connection;
    }

    private long BedId(SqliteConnection connection, SqliteTransaction transaction, string camera, string bed)
    {
        if (_bedIds.TryGetValue((camera, bed), out var id))
        {
            return id;
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO beds(camera, bed) VALUES ($c, $b) RETURNING id";
        insert.Parameters.AddWithValue("$c", camera);
        insert.Parameters.AddWithValue("$b", bed);
        id = (long)insert.ExecuteScalar()!;
        _bedIds[(camera, bed)] = id;
        return id;
    }

    private readonly record struct Row(string Camera, string Bed, long Ticks, double? Pspi, double Confidence, double? Smoothed, PainAlertState State, string? Quality, AlertEvent? Event, bool IsTick = false);
}
