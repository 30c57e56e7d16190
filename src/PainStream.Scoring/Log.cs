// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Scoring;

/// <summary>Source-generated log messages of PainStream.Scoring. Event ids 6000–6999 (docs/event-ids.md).</summary>
internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Warning, "Baseline file {Path} is unreadable ({Reason}); moved aside to {CorruptPath}, the patient starts without a saved baseline")]
    public static partial void BaselineMovedAside(this ILogger logger, Exception? exception, string path, string reason, string corruptPath);

    [LoggerMessage(6002, LogLevel.Error, "Baseline file {Path} is unreadable ({Reason}) and could not be moved aside; the patient starts without a saved baseline")]
    public static partial void BaselineMoveAsideFailed(this ILogger logger, Exception exception, string path, string reason);

    [LoggerMessage(6003, LogLevel.Warning, "Could not save the baseline of camera {CameraId} bed {Bed} to {Path}; it is kept in memory only")]
    public static partial void BaselineSaveFailed(this ILogger logger, Exception exception, string cameraId, string bed, string path);

    [LoggerMessage(6004, LogLevel.Information, "Removed the leftover temporary baseline file {Path} (an interrupted save)")]
    public static partial void BaselineTempRemoved(this ILogger logger, string path);

    [LoggerMessage(6005, LogLevel.Warning, "Could not list the baseline directory {Directory}; every patient starts without a saved baseline")]
    public static partial void BaselineDirectoryUnreadable(this ILogger logger, Exception exception, string directory);

    [LoggerMessage(6010, LogLevel.Information, "Pain model {Name} {Version} loaded from {Path} on {ExecutionProvider}: {Classes} classes, CAM explanation {Cam}, batches of up to {MaxBatch} faces waiting at most {MaxWaitMs} ms")]
    public static partial void PainModelLoaded(this ILogger logger, string name, string version, string path, string executionProvider, int classes, bool cam, int maxBatch, double maxWaitMs);

    [LoggerMessage(6011, LogLevel.Error, "A batch of {Count} faces failed in pain model {Name}; those faces cannot be scored, the next batch runs as usual")]
    public static partial void BatchFailed(this ILogger logger, Exception exception, string name, int count);

    [LoggerMessage(6012, LogLevel.Warning, "Pain model {Name} is not clinically validated ({TrainingData}); its scores are for evaluation only")]
    public static partial void ModelNotClinicallyValidated(this ILogger logger, string name, string trainingData);
}
