// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Hosting.History;

/// <summary>Source-generated log messages of the score history. Event ids 5102–5104 of the daemon's range (docs/event-ids.md).</summary>
internal static partial class HistoryLog
{
    [LoggerMessage(5102, LogLevel.Information, "Score history in {Path}: kept {RetentionHours} h, at most {MaxSamples} samples")]
    public static partial void HistoryOpened(this ILogger logger, string path, double retentionHours, long maxSamples);

    [LoggerMessage(5103, LogLevel.Error, "The score history {Path} cannot be opened; the daemon runs on without it")]
    public static partial void HistoryUnavailable(this ILogger logger, Exception exception, string path);

    [LoggerMessage(5104, LogLevel.Warning, "Writing the score history {Path} failed; retrying")]
    public static partial void HistoryWriteFailed(this ILogger logger, Exception exception, string path);
}
