// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Core;

/// <summary>Source-generated log messages of PainStream.Core. Event ids 1000–1999 (docs/event-ids.md).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Warning, "Face detection failed on camera {CameraId} frame {Sequence}; frame skipped")]
    public static partial void DetectFailed(this ILogger logger, Exception exception, string cameraId, long sequence);

    [LoggerMessage(1101, LogLevel.Information, "Following patient {CameraId}/{Bed} with scorer {Scorer} (ready: {Ready})")]
    public static partial void PatientAdded(this ILogger logger, string cameraId, string bed, string scorer, bool ready);

    [LoggerMessage(1102, LogLevel.Information, "Stopped following patient {CameraId}/{Bed} (camera or bed removed from the configuration)")]
    public static partial void PatientRemoved(this ILogger logger, string cameraId, string bed);

    [LoggerMessage(1103, LogLevel.Information, "Alert policy of {CameraId}/{Bed} updated from the configuration")]
    public static partial void PolicyUpdated(this ILogger logger, string cameraId, string bed);

    [LoggerMessage(1104, LogLevel.Error, "Scoring failed for {CameraId}/{Bed}; reported as a scorer-failed technical alarm")]
    public static partial void ScoreFailed(this ILogger logger, Exception exception, string cameraId, string bed);

    [LoggerMessage(1105, LogLevel.Information, "Alert {Type} {Reason} on {CameraId}/{Bed} id {Id} priority {Priority} score {Score:F2}")]
    public static partial void AlertEvent(this ILogger logger, string type, string reason, string cameraId, string bed, string id, string priority, double score);

    [LoggerMessage(1113, LogLevel.Error, "The patient stage failed on camera {CameraId} frame {Sequence}; frame skipped, the stage goes on")]
    public static partial void PatientStepFailed(this ILogger logger, Exception exception, string cameraId, long sequence);

    [LoggerMessage(1106, LogLevel.Warning, "Could not save the state of {CameraId}/{Bed}; will retry")]
    public static partial void SaveFailed(this ILogger logger, Exception exception, string cameraId, string bed);

    [LoggerMessage(1107, LogLevel.Error, "The patient stage's timer step failed; retrying in a second")]
    public static partial void TickFailed(this ILogger logger, Exception exception);

    [LoggerMessage(1108, LogLevel.Information, "Command {Command} applied to {CameraId}/{Bed} by {User} (payload 'by': {By})")]
    public static partial void CommandApplied(this ILogger logger, string command, string cameraId, string bed, string user, string by);

    [LoggerMessage(1109, LogLevel.Information, "Stopped following patient {CameraId}/{Bed} (camera disabled)")]
    public static partial void PatientDisabled(this ILogger logger, string cameraId, string bed);

    [LoggerMessage(1110, LogLevel.Information, "Patient {CameraId}/{Bed} switches scorer from {Old} to {New}: its open episodes end and it starts afresh")]
    public static partial void ScorerChanged(this ILogger logger, string cameraId, string bed, string old, string @new);

    [LoggerMessage(1112, LogLevel.Warning, "Patient {CameraId}/{Bed}: the scorer scores on the {ScorerScale} scale but the bed's thresholds are on {PolicyScale} (a reload raced); it is re-created")]
    public static partial void ScaleMismatch(this ILogger logger, string cameraId, string bed, string scorerScale, string policyScale);

    [LoggerMessage(1111, LogLevel.Warning, "Learned scores of frame {Sequence} from {CameraId} did not arrive in time; those faces cannot be scored")]
    public static partial void CropScoreTimedOut(this ILogger logger, string cameraId, long sequence);
}
