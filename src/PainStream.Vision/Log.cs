// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Vision;

/// <summary>Source-generated log messages of PainStream.Vision. Event ids 3000–3999 (docs/event-ids.md).</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Face detector {Detector} loaded {ModelPath} on the {Provider} execution provider ({IntraOpThreads} intra-op threads)")]
    public static partial void DetectorLoaded(this ILogger logger, string detector, string modelPath, string provider, int intraOpThreads);

    // 3001 (CUDA unavailable) moved with the session factory to PainStream.Inference.Onnx.

    [LoggerMessage(3002, LogLevel.Information, "Face detector {Detector} loaded cascade {CascadePath}")]
    public static partial void CascadeLoaded(this ILogger logger, string detector, string cascadePath);
}
