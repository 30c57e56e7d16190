// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using PainStream.Core.Diagnostics;

namespace PainStream.Alerts.Mqtt.Outbox;

/// <summary>
/// The durable alert outbox: one SQLite table of messages waiting for the broker's PUBACK, in the order they must be
/// delivered. A message is durable when <see cref="Enqueue(OutboxBatchBuilder)"/> returns (WAL journal, <c>synchronous=FULL</c>: the commit
/// has been fsync'ed) and is removed by <see cref="DeleteThrough"/> only after the broker acknowledged it.
/// </summary>
/// <remarks>
/// <para><b>Bounds.</b> When more than <c>maxMessages</c> are queued, the oldest droppable messages go first: <c>update</c>
/// events and retained bed states superseded by a newer state for the same topic, oldest first. The same messages are
/// dropped once older than <c>maxAge</c>. <c>new</c> and <c>end</c> events are never dropped, so the outbox may exceed its
/// bound when only they are left (logged once per overrun). Every drop is counted
/// (<see cref="PainStreamInstruments.MqttOutboxDropped"/>, by kind and reason) and logged.</para>
/// <para><b>Sequences.</b> A fresh file starts its sequence at the wall clock (Unix milliseconds × 1000), not at 1, so a file
/// that replaces a corrupt or deleted one continues above every sequence a subscriber has seen (a dashboard ignores a bed
/// state with a lower <c>seq</c>). The factor leaves room for a thousand messages per millisecond of the previous file's
/// life, and the values stay below 2^53 (exact in JavaScript) until the year 2255.</para>
/// <para><b>Open episodes.</b> Beside the messages, the file keeps the latest event of every open episode
/// (<see cref="OpenEpisode"/>), written in the same transaction as the event, so that after a restart or a crash the
/// publisher knows exactly which episodes the previous run left open.</para>
/// <para><b>Corruption.</b> A file SQLite cannot read (not a database, or a failed <c>quick_check</c>) is moved aside to
/// <c>&lt;file&gt;.corrupt-&lt;UTC timestamp&gt;</c> (with its <c>-wal</c>), reported with an error log, and a fresh file
/// is created: its content is kept for an engineer, never silently emptied. Corruption found later by a write is handled
/// the same way, and the write is retried on the fresh file.</para>
/// <para><b>Ownership.</b> The class owns one connection in SQLite's exclusive locking mode, so a second process opening the
/// same file fails instead of delivering the same messages. Thread-safe: every member takes one lock, which serialises the
/// writer (<see cref="Enqueue(OutboxBatchBuilder)"/>) and the delivery loop (<see cref="Peek"/>, <see cref="DeleteThrough"/>).</para>
/// </remarks>
internal sealed class SqliteAlertOutbox : IDisposable
{
    /// <summary>The schema version stored in <c>PRAGMA user_version</c> (2 added the <c>open_episodes</c> table).</summary>
    internal const int SchemaVersion = 2;

    /// <summary>How many sequence numbers a fresh file leaves per millisecond of wall-clock time (see the remarks).</summary>
    internal const long SequencesPerMillisecond = 1000;

    /// <summary>Metric tag carrying the dropped message's kind (<c>update</c>, <c>state</c>).</summary>
    internal const string KindTag = "kind";

    /// <summary>Metric tag carrying why a message was dropped (<c>overflow</c>, <c>age</c>).</summary>
    internal const string ReasonTag = "reason";

    /// <summary>The drop reason when the outbox holds more than its bound.</summary>
    internal const string Overflow = "overflow";

    /// <summary>The drop reason when a droppable message is older than the age bound.</summary>
    internal const string Age = "age";

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    private const string Columns = "seq, topic, payload, retain, kind, dedupe_key, enqueued_at";

    // The droppable messages, oldest first: update events, and bed states with a newer state for the same topic behind them.
    private const string DroppableQuery = """
        SELECT m.seq, m.kind FROM messages AS m
        WHERE (m.kind = 'update'
               OR (m.kind = 'state' AND EXISTS (SELECT 1 FROM messages AS n WHERE n.kind = 'state' AND n.topic = m.topic AND n.seq > m.seq)))
          AND ($cutoff IS NULL OR m.enqueued_at < $cutoff)
        ORDER BY m.seq
        LIMIT $limit
        """;

    private static readonly TimeSpan AgePruneInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly int _maxMessages;
    private readonly TimeSpan _maxAge;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Counter<long> _dropped;
    private SqliteConnection _connection;
    private long _lastSequence;
    private int _count;
    private long _lastAgePrune;
    private bool _overBoundReported;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="SqliteAlertOutbox"/> class: opens (or creates) the file.</summary>
    /// <param name="path">The database file; its directory is created.</param>
    /// <param name="maxMessages">The bound above which droppable messages are dropped.</param>
    /// <param name="maxAge">The age above which droppable messages are dropped.</param>
    /// <param name="meterFactory">Creates the meter for the outbox instruments.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock for enqueue times, ages and quarantine names.</param>
    /// <exception cref="IOException">Another process holds the file, or a corrupt file could not be moved aside.</exception>
    /// <exception cref="SqliteException">The file cannot be opened or created (e.g. the disk is full, or no permission).</exception>
    public SqliteAlertOutbox(string path, int maxMessages, TimeSpan maxAge, IMeterFactory meterFactory, ILogger logger, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        Path = System.IO.Path.GetFullPath(path);
        _maxMessages = maxMessages;
        _maxAge = maxAge;
        _logger = logger;
        _time = time;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);

        // We don't dispose the meter: IMeterFactory owns it and disposes it with the container.
#pragma warning disable CA2000
        var meter = meterFactory.Create(PainStreamInstruments.MeterName);
#pragma warning restore CA2000
        _dropped = meter.CreateCounter<long>(PainStreamInstruments.MqttOutboxDropped, description: "Outbox messages dropped by the overflow policy (update events and superseded bed states only), by kind and reason.");
        meter.CreateObservableGauge(PainStreamInstruments.MqttOutboxDepth, () => Count, description: "Alert messages waiting in the durable outbox for the broker's acknowledgement.");

        _connection = OpenOrQuarantine(seedSequence: 0);
        DropCounts drops;
        using (var tx = _connection.BeginTransaction())
        {
            drops = DropLocked(tx, int.MaxValue, Age);
            tx.Commit();
        }

        _count -= drops.Total;
        _lastAgePrune = _time.GetTimestamp();
        _logger.OutboxOpened(Path, _count, _lastSequence);
        Report(drops, Age);
    }

    /// <summary>Gets the full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Gets the number of queued messages (a snapshot that never blocks).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets the sequence of the last stored message (0 when none ever was).</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>
    /// Stores the messages built by <paramref name="build"/> in one transaction, then applies the bounds. Durable when it
    /// returns; on an exception nothing was stored.
    /// </summary>
    /// <param name="build">Builds the messages once their first sequence is known; called under the outbox lock.</param>
    /// <returns>The sequence of the first stored message.</returns>
    /// <exception cref="SqliteException">The store failed (e.g. disk full); nothing was stored.</exception>
    /// <exception cref="ObjectDisposedException">The outbox is disposed.</exception>
    public long Enqueue(OutboxBatchBuilder build) => Enqueue(build, episode: null);

    /// <summary>
    /// Stores the messages built by <paramref name="build"/> and the change of one open episode in one transaction, then
    /// applies the bounds (see <see cref="Enqueue(OutboxBatchBuilder)"/>).
    /// </summary>
    /// <param name="build">Builds the messages once their first sequence is known; called under the outbox lock.</param>
    /// <param name="episode">The episode's latest event (it is open), its end (<see cref="OpenEpisode.Payload"/> <see langword="null"/>), or <see langword="null"/> for none.</param>
    /// <returns>The sequence of the first stored message.</returns>
    public long Enqueue(OutboxBatchBuilder build, OpenEpisode? episode)
    {
        ArgumentNullException.ThrowIfNull(build);
        long first;
        DropCounts overflow;
        DropCounts aged;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            try
            {
                first = EnqueueLocked(build, episode, out overflow, out aged);
            }
            catch (SqliteException ex) when (IsCorruption(ex))
            {
                // Nothing of this batch was stored in the damaged file; store it in a fresh one.
                RecoverLocked(ex.Message);
                first = EnqueueLocked(build, episode, out overflow, out aged);
            }
        }

        Report(overflow, Overflow);
        Report(aged, Age);
        return first;
    }

    /// <summary>Stores <paramref name="messages"/> in one transaction (see <see cref="Enqueue(OutboxBatchBuilder)"/>).</summary>
    /// <param name="messages">The messages, in delivery order.</param>
    /// <returns>The sequence of the first stored message.</returns>
    public long Enqueue(params IReadOnlyList<OutboxMessage> messages) => Enqueue(_ => messages);

    /// <summary>Returns the episodes stored as open (see <see cref="Enqueue(OutboxBatchBuilder, OpenEpisode?)"/>).</summary>
    /// <returns>Their latest events, by camera, bed and reason.</returns>
    /// <exception cref="SqliteException">The read failed.</exception>
    public IReadOnlyList<OpenEpisode> OpenEpisodes()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            using var select = _connection.CreateCommand();
            select.CommandText = "SELECT camera, bed, reason, payload FROM open_episodes ORDER BY camera, bed, reason";
            using var reader = select.ExecuteReader();
            var episodes = new List<OpenEpisode>();
            while (reader.Read())
            {
                episodes.Add(new OpenEpisode(reader.GetString(0), reader.GetString(1), reader.GetString(2), (byte[])reader.GetValue(3)));
            }

            return episodes;
        }
    }

    /// <summary>Returns the oldest queued messages, in delivery order, without removing them.</summary>
    /// <param name="max">The most messages to return.</param>
    /// <returns>The messages; empty when the outbox is empty.</returns>
    public IReadOnlyList<OutboxEntry> Peek(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            try
            {
                return PeekLocked(max);
            }
            catch (SqliteException ex) when (IsCorruption(ex))
            {
                RecoverLocked(ex.Message);
                return [];
            }
        }
    }

    /// <summary>Removes every message up to and including <paramref name="sequence"/>: call it after the broker acknowledged them.</summary>
    /// <param name="sequence">The last acknowledged sequence.</param>
    /// <returns>How many messages were removed.</returns>
    /// <remarks>
    /// Sequences only grow, so the messages at or below an acknowledged one are exactly those delivered before it (or
    /// dropped meanwhile). A crash before this call only means they are delivered again: at least once.
    /// </remarks>
    public int DeleteThrough(long sequence)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            try
            {
                using var delete = _connection.CreateCommand();
                delete.CommandText = "DELETE FROM messages WHERE seq <= $seq";
                delete.Parameters.AddWithValue("$seq", sequence);
                var removed = delete.ExecuteNonQuery();
                _count -= removed;
                if (_count <= _maxMessages)
                {
                    _overBoundReported = false;
                }

                return removed;
            }
            catch (SqliteException ex) when (IsCorruption(ex))
            {
                RecoverLocked(ex.Message);
                return 0;
            }
        }
    }

    /// <summary>Closes the database file; the queued messages stay in it for the next start.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _connection.Dispose();
        }
    }

    private static bool IsCorruption(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) is SqliteCorrupt or SqliteNotADatabase;

    private static string KindName(OutboxKind kind) => kind switch
    {
        OutboxKind.New => "new",
        OutboxKind.Update => "update",
        OutboxKind.End => "end",
        OutboxKind.State => "state",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown outbox kind"),
    };

    private static OutboxKind ParseKind(string kind) => kind switch
    {
        "new" => OutboxKind.New,
        "update" => OutboxKind.Update,
        "end" => OutboxKind.End,
        "state" => OutboxKind.State,
        _ => throw new InvalidDataException($"unknown outbox kind '{kind}'"),
    };

    private long EnqueueLocked(OutboxBatchBuilder build, OpenEpisode? episode, out DropCounts overflow, out DropCounts aged)
    {
        var first = _lastSequence + 1;
        var messages = build(first);
        if (messages.Count == 0)
        {
            throw new ArgumentException("an enqueue needs at least one message", nameof(build));
        }

        var enqueuedAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var ageDue = _time.GetElapsedTime(_lastAgePrune) >= AgePruneInterval;
        overflow = default;
        aged = default;
        using (var tx = _connection.BeginTransaction())
        {
            using (var insert = _connection.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = $"INSERT INTO messages ({Columns}) VALUES ($seq, $topic, $payload, $retain, $kind, $key, $at)";
                var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
                var topic = insert.Parameters.Add("$topic", SqliteType.Text);
                var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
                var retain = insert.Parameters.Add("$retain", SqliteType.Integer);
                var kind = insert.Parameters.Add("$kind", SqliteType.Text);
                var key = insert.Parameters.Add("$key", SqliteType.Text);
                insert.Parameters.AddWithValue("$at", enqueuedAt);
                for (var i = 0; i < messages.Count; i++)
                {
                    var message = messages[i];
                    seq.Value = first + i;
                    topic.Value = message.Topic;
                    payload.Value = message.Payload;
                    retain.Value = message.Retain ? 1 : 0;
                    kind.Value = KindName(message.Kind);
                    key.Value = message.DedupeKey;
                    insert.ExecuteNonQuery();
                }
            }

            if (episode is not null)
            {
                using var write = _connection.CreateCommand();
                write.Transaction = tx;
                write.CommandText = episode.Payload is null
                    ? "DELETE FROM open_episodes WHERE camera = $camera AND bed = $bed AND reason = $reason"
                    : "INSERT OR REPLACE INTO open_episodes (camera, bed, reason, payload) VALUES ($camera, $bed, $reason, $payload)";
                write.Parameters.AddWithValue("$camera", episode.Camera);
                write.Parameters.AddWithValue("$bed", episode.Bed);
                write.Parameters.AddWithValue("$reason", episode.Reason);
                if (episode.Payload is { } latest)
                {
                    write.Parameters.Add("$payload", SqliteType.Blob).Value = latest;
                }

                write.ExecuteNonQuery();
            }

            var count = _count + messages.Count;
            if (count > _maxMessages)
            {
                overflow = DropLocked(tx, count - _maxMessages, Overflow);
                count -= overflow.Total;
            }

            if (ageDue)
            {
                aged = DropLocked(tx, int.MaxValue, Age);
                count -= aged.Total;
            }

            tx.Commit();
            _lastSequence = first + messages.Count - 1;
            _count = count;
        }

        if (ageDue)
        {
            _lastAgePrune = _time.GetTimestamp();
        }

        if (_count > _maxMessages && !_overBoundReported)
        {
            // Only new and end events are left: they are never dropped, so the bound is exceeded instead.
            _overBoundReported = true;
            _logger.OutboxOverBound(_count, _maxMessages);
        }
        else if (_count <= _maxMessages)
        {
            _overBoundReported = false;
        }

        return first;
    }

    private List<OutboxEntry> PeekLocked(int max)
    {
        using var select = _connection.CreateCommand();
        select.CommandText = $"SELECT {Columns} FROM messages ORDER BY seq LIMIT $max";
        select.Parameters.AddWithValue("$max", max);
        using var reader = select.ExecuteReader();
        var entries = new List<OutboxEntry>();
        while (reader.Read())
        {
            entries.Add(new OutboxEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                (byte[])reader.GetValue(2),
                reader.GetInt64(3) != 0,
                ParseKind(reader.GetString(4)),
                reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }

        return entries;
    }

    /// <summary>Deletes up to <paramref name="limit"/> droppable messages, oldest first (only those past the age bound for <see cref="Age"/>).</summary>
    private DropCounts DropLocked(SqliteTransaction tx, int limit, string reason)
    {
        var victims = new List<long>();
        var counts = default(DropCounts);
        using (var select = _connection.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = DroppableQuery;
            select.Parameters.AddWithValue("$cutoff", reason == Age ? (_time.GetUtcNow() - _maxAge).ToUnixTimeMilliseconds() : DBNull.Value);
            select.Parameters.AddWithValue("$limit", limit);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                victims.Add(reader.GetInt64(0));
                if (ParseKind(reader.GetString(1)) == OutboxKind.Update)
                {
                    counts.Updates++;
                }
                else
                {
                    counts.States++;
                }
            }
        }

        if (victims.Count == 0)
        {
            return counts;
        }

        using var delete = _connection.CreateCommand();
        delete.Transaction = tx;
        delete.CommandText = "DELETE FROM messages WHERE seq = $seq";
        var seq = delete.Parameters.Add("$seq", SqliteType.Integer);
        foreach (var victim in victims)
        {
            seq.Value = victim;
            delete.ExecuteNonQuery();
        }

        return counts;
    }

    private void Report(DropCounts drops, string reason)
    {
        if (drops.Total == 0)
        {
            return;
        }

        if (drops.Updates > 0)
        {
            _dropped.Add(drops.Updates, new(KindTag, "update"), new(ReasonTag, reason));
        }

        if (drops.States > 0)
        {
            _dropped.Add(drops.States, new(KindTag, "state"), new(ReasonTag, reason));
        }

        _logger.OutboxDropped(drops.Total, reason, drops.Updates, drops.States, Count, _maxMessages);
    }

    private SqliteConnection OpenOrQuarantine(long seedSequence)
    {
        try
        {
            return Open(seedSequence);
        }
        catch (SqliteException ex) when (IsCorruption(ex))
        {
            Quarantine(ex.Message);
        }
        catch (InvalidDataException ex)
        {
            Quarantine(ex.Message);
        }

        return Open(seedSequence);
    }

    /// <summary>Corruption found by an operation: the damaged file goes aside and the outbox goes on with a fresh one.</summary>
    private void RecoverLocked(string reason)
    {
        var lost = _count;
        _connection.Dispose();
        _count = 0;
        _overBoundReported = false;
        _logger.OutboxCorruptAtRuntime(Path, lost);

        // Seeded with the last sequence, so sequences keep growing for the subscribers' dedupe key.
        Quarantine(reason);
        _connection = Open(_lastSequence);
    }

    private void Quarantine(string reason)
    {
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = Path + ".corrupt-" + stamp;
        for (var i = 1; File.Exists(target); i++)
        {
            target = Path + ".corrupt-" + stamp + "-" + i.ToString(CultureInfo.InvariantCulture);
        }

        // Never deleted: an engineer may recover what was queued (SQLite finds the WAL beside it under the same stem).
        File.Move(Path, target);
        foreach (var suffix in (ReadOnlySpan<string>)["-wal", "-shm", "-journal"])
        {
            if (File.Exists(Path + suffix))
            {
                File.Move(Path + suffix, target + suffix);
            }
        }

        _logger.OutboxCorrupt(Path, target, reason);
    }

    private SqliteConnection Open(long seedSequence)
    {
        // Seconds SQLite retries a busy file: only another process can hold it (see the exclusive lock below).
        var connection = SqliteFile.Open(Path, SqliteOpenMode.ReadWriteCreate, busySeconds: 2);
        try
        {
            // Exclusive before WAL: SQLite then keeps the WAL index in process memory (no -shm) and holds the file lock for
            // the connection's lifetime, so a second daemon pointed at the same file fails here instead of double-delivering.
            SqliteFile.Execute(connection, "PRAGMA locking_mode=EXCLUSIVE");

            // FULL in WAL mode fsyncs the WAL on every commit: an enqueue that returned survives a power cut.
            if (!SqliteFile.UseWal(connection, "FULL"))
            {
                throw new InvalidOperationException($"SQLite refused WAL journal mode for '{Path}' (got '{SqliteFile.Scalar(connection, "PRAGMA journal_mode")}')");
            }

            var check = SqliteFile.Scalar(connection, "PRAGMA quick_check") as string;
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
            {
                throw new InvalidDataException("quick_check: " + check);
            }

            var version = Convert.ToInt64(SqliteFile.Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                throw new InvalidOperationException($"The outbox '{Path}' has schema version {version}, newer than this daemon's {SchemaVersion}: run the newer daemon, or move the file away.");
            }

            using (var tx = connection.BeginTransaction())
            {
                using var create = connection.CreateCommand();
                create.Transaction = tx;
                create.CommandText = $"""
                    CREATE TABLE IF NOT EXISTS messages (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        topic TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        retain INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        dedupe_key TEXT NOT NULL,
                        enqueued_at INTEGER NOT NULL);
                    CREATE INDEX IF NOT EXISTS messages_state_topic ON messages (topic, seq) WHERE kind = 'state';
                    CREATE TABLE IF NOT EXISTS open_episodes (
                        camera TEXT NOT NULL,
                        bed TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        PRIMARY KEY (camera, bed, reason)) WITHOUT ROWID;
                    PRAGMA user_version = {SchemaVersion};
                    """;
                create.ExecuteNonQuery();

                // A file that never stored a message has no sequence yet: start it above anything an earlier file (one
                // that was corrupt, deleted or lost) can have handed out, so subscribers' "newer seq wins" keeps working.
                using var started = connection.CreateCommand();
                started.Transaction = tx;
                started.CommandText = "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'messages'";
                if (Convert.ToInt64(started.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
                {
                    using var seed = connection.CreateCommand();
                    seed.Transaction = tx;
                    seed.CommandText = "INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', $seq)";
                    seed.Parameters.AddWithValue("$seq", Math.Max(seedSequence, ClockSequence()));
                    seed.ExecuteNonQuery();
                }

                tx.Commit();
            }

            using (var stats = connection.CreateCommand())
            {
                stats.CommandText = "SELECT (SELECT COUNT(*) FROM messages), MAX(IFNULL((SELECT MAX(seq) FROM messages), 0), IFNULL((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0))";
                using var reader = stats.ExecuteReader();
                reader.Read();
                _count = checked((int)reader.GetInt64(0));
                _lastSequence = reader.GetInt64(1);
            }

            return connection;
        }
        catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked)
        {
            connection.Dispose();
            throw new IOException($"The alert outbox '{Path}' is locked by another process: is another painstream daemon running with the same Mqtt:OutboxPath? ({ex.Message})", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private long ClockSequence() => Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds()) * SequencesPerMillisecond;

    private struct DropCounts
    {
        public int Updates;
        public int States;

        public readonly int Total => Updates + States;
    }
}
