// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Data.Sqlite;

namespace PainStream.Alerts.Mqtt.Outbox;

/// <summary>
/// How PainStream opens its SQLite files (the alert outbox here, the score history in <c>PainStream.Hosting</c>): one
/// connection per owner, never pooled, so disposing it closes the file (quarantine, a clean stop, tests that reopen it);
/// the WAL journal; one-statement helpers.
/// </summary>
internal static class SqliteFile
{
    /// <summary>Opens <paramref name="path"/> on an unpooled connection.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="mode">How to open it.</param>
    /// <param name="busySeconds">Seconds SQLite retries a file another connection holds (its default when <see langword="null"/>).</param>
    /// <returns>The open connection; the caller owns it.</returns>
    public static SqliteConnection Open(string path, SqliteOpenMode mode, int? busySeconds = null)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false };
        if (busySeconds is { } seconds)
        {
            builder.DefaultTimeout = seconds;
        }

        var connection = new SqliteConnection(builder.ConnectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Switches the file to the WAL journal with the given <c>synchronous</c> level.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="synchronous"><c>FULL</c> (every commit survives a power cut) or <c>NORMAL</c>.</param>
    /// <returns>Whether SQLite took WAL (it refuses for, e.g., an in-memory database).</returns>
    public static bool UseWal(SqliteConnection connection, string synchronous)
    {
        var mode = Scalar(connection, "PRAGMA journal_mode=WAL") as string;
        Execute(connection, "PRAGMA synchronous=" + synchronous);
        return string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Runs one statement.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="sql">The statement.</param>
    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs one statement and returns the first column of its first row.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="sql">The statement.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
