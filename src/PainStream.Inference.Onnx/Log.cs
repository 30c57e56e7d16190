// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Inference.Onnx;

/// <summary>Source-generated log messages of PainStream.Inference.Onnx. It keeps the Vision id it was born with (3001, docs/event-ids.md).</summary>
internal static partial class Log
{
    // Information, not Warning: on CPU-only hosts (CI, the default build) Auto falling back is the expected outcome.
    [LoggerMessage(3001, LogLevel.Information, "The CUDA execution provider is not usable for {ModelPath} ({Reason}); falling back to CPU")]
    public static partial void CudaUnavailable(this ILogger logger, string modelPath, string reason);
}
