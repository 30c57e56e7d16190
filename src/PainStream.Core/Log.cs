// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Core;

/// <summary>Source-generated log messages of PainStream.Core. Event ids 1000–1999 (docs/event-ids.md).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Warning, "Face detection failed on camera {CameraId} frame {Sequence}; frame skipped")]
    public static partial void DetectFailed(this ILogger logger, Exception exception, string cameraId, long sequence);
}
