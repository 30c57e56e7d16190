// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Testing;

namespace PainStream.Capture.FFmpeg.Tests;

public sealed class PipeBufferTests
{
    [Fact]
    public async Task Start_RealFfmpeg_StdoutPipeIsGrownToOneMebibyte_AndAWholeFrameStillReadsIntact()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var ct = TestContext.Current.CancellationToken;

        // One 640×360 BGR frame (691,200 bytes: more than the default 64 KiB pipe, less than the grown one).
        await using var process = FfmpegProcess.Start(
            FfmpegProcess.ResolveExecutable("ffmpeg"),
            ["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=5", "-frames:v", "2", "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"]);

        Assert.Equal(PipeBuffer.DesiredBytes, process.StdoutPipeBytes);
        Assert.Equal(PipeBuffer.DesiredBytes, PipeBuffer.SizeOf(process.Stdout));
        var frame = new byte[640 * 360 * 3];
        await process.Stdout.ReadExactlyAsync(frame, ct);
        await process.Stdout.ReadExactlyAsync(frame, ct);
        Assert.Equal(0, await process.Stdout.ReadAsync(new byte[1], ct));

        // testsrc's frame is not uniform: the bytes are a picture, not a zero-filled buffer.
        Assert.True(frame.Distinct().Count() > 16);
    }

    [Fact]
    public void TryGrow_NotAPipe_ReturnsMinusOneAndLeavesTheStreamAlone()
    {
        using var memory = new MemoryStream([1, 2, 3]);
        Assert.Equal(-1, PipeBuffer.TryGrow(memory));
        Assert.Equal(1, memory.ReadByte());
    }
}
