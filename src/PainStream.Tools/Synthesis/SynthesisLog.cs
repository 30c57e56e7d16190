// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Tools.Synthesis;

/// <summary>Source-generated log messages of the demo-clip synthesis (event ids 3100–3199, moved with it from Vision).</summary>
internal static partial class SynthesisLog
{
    [LoggerMessage(3100, LogLevel.Information, "Demo clip: face {Box} (score {Score}) found in {ImagePath}, scaled by {Scale}")]
    public static partial void DemoClipFaceFound(this ILogger logger, string imagePath, string box, float score, double scale);

    [LoggerMessage(3101, LogLevel.Information, "Demo clip {OutputPath} written: {FrameCount} frames ({RenderedFrames} rendered) in {Seconds} s")]
    public static partial void DemoClipWritten(this ILogger logger, string outputPath, int frameCount, int renderedFrames, double seconds);
}
