// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Options;

namespace PainStream.Capture.FFmpeg.Tests;

public sealed class FfmpegInputTests
{
    private static readonly CaptureOptions Options = new() { RtspTimeoutSeconds = 2.5, DecoderThreads = 1 };

    [Fact]
    public void BuildArguments_Rtsp_UsesTcpAndMicrosecondTimeoutBeforeInput()
    {
        Assert.True(FfmpegInput.TryParse("rtsp://user:p%40ss@10.1.2.3:554/stream1", out var input, out _));
        var settings = CaptureHarness.Camera("cam", "rtsp://user:p%40ss@10.1.2.3:554/stream1", new CaptureOptions { Fps = 2.5, Width = 640, Height = 360 });

        var args = input.BuildArguments(settings, Options);

        Assert.Equal(FfmpegInputKind.Rtsp, input.Kind);
        Assert.Equal(
            [
                "-nostdin", "-hide_banner", "-loglevel", "error",
                "-rtsp_transport", "tcp", "-timeout", "2500000", "-fpsprobesize", "0",
                "-threads", "1", "-i", "rtsp://user:p%40ss@10.1.2.3:554/stream1",
                "-an", "-sn", "-dn",
                "-vf", "fps=2.5,scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2",
                "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1",
            ],
            args);
    }

    [Fact]
    public void BuildArguments_PixelFormatI420_AsksForYuv420p()
    {
        Assert.True(FfmpegInput.TryParse("rtsp://10.1.2.3/s", out var input, out _));
        var capture = new CaptureOptions { PixelFormat = Core.Frames.FramePixelFormat.I420 };
        var settings = CaptureHarness.Camera("cam", "rtsp://10.1.2.3/s", capture);

        var args = input.BuildArguments(settings, capture);

        Assert.Equal(["-pix_fmt", "yuv420p", "-f", "rawvideo", "pipe:1"], args.TakeLast(5));
    }

    [Fact]
    public void BuildArguments_BedsAnalysis_DecodesAtTheBedsSize_FrameAnalysisAtTheCaptureSize()
    {
        Assert.True(FfmpegInput.TryParse("rtsp://10.1.2.3/s", out var input, out _));
        var capture = new CaptureOptions();
        var cameras = Core.Options.CameraOptionsResolver.Resolve(
            new CamerasOptions { ["wide"] = new() { Url = "rtsp://10.1.2.3/s", Analysis = AnalysisMode.Beds }, ["single"] = new() { Url = "rtsp://10.1.2.3/s" } },
            capture,
            new DemoOptions { Enabled = false },
            "/");

        var beds = input.BuildArguments(cameras[new("wide")], capture);
        var frame = input.BuildArguments(cameras[new("single")], capture);

        Assert.Equal("fps=5,scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2", beds[beds.ToList().IndexOf("-vf") + 1]);
        Assert.Equal("fps=5,scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2", frame[frame.ToList().IndexOf("-vf") + 1]);
    }

    [Fact]
    public void BuildArguments_Keyframes_SkipsNonKeyFramesWithoutFpsFilterAndLogsFrameTimes()
    {
        Assert.True(FfmpegInput.TryParse("rtsp://10.1.2.3:554/stream1", out var input, out _));
        var capture = new CaptureOptions { Fps = 5, Width = 640, Height = 360, DecodeMode = DecodeMode.Keyframes };
        var settings = CaptureHarness.Camera("cam", "rtsp://10.1.2.3:554/stream1", capture);

        var args = input.BuildArguments(settings, Options);

        Assert.Equal(
            [
                "-nostdin", "-hide_banner", "-loglevel", "level+info", "-nostats",
                "-rtsp_transport", "tcp", "-timeout", "2500000", "-fpsprobesize", "0",
                "-skip_frame", "nokey",
                "-threads", "1", "-i", "rtsp://10.1.2.3:554/stream1",
                "-an", "-sn", "-dn",
                "-vf", "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,showinfo",
                "-fps_mode", "passthrough",
                "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1",
            ],
            args);
    }

    [Theory]
    [InlineData("[Parsed_showinfo_1 @ 0x561d2ab16ac0] [info] n:   3 pts:  38400 pts_time:3       pos:  123 fmt:yuv420p", 3, 3.0)]
    [InlineData("[Parsed_showinfo_0 @ 0x5] [info] n:  12 pts: 1081080 pts_time:12.012  pos: -1 fmt:bgr24", 12, 12.012)]
    public void TryParseFrameTime_ShowinfoFrameLine_ReturnsIndexAndSeconds(string line, long index, double seconds)
    {
        Assert.True(FfmpegProcess.TryParseFrameTime(line, out var time));
        Assert.Equal(index, time.Index);
        Assert.Equal(seconds, time.Seconds, 6);
    }

    [Theory]
    [InlineData("[Parsed_showinfo_0 @ 0x5] [info] config in time_base: 1/12800, frame_rate: 25/1")]
    [InlineData("[Parsed_showinfo_0 @ 0x5] [info]   side data - User Data Unregistered:")]
    [InlineData("[info] Input #0, mov,mp4 from 'file:x.mp4':")]
    [InlineData("[rtsp @ 0x5] [error] n: 3 pts_time:3")]
    public void TryParseFrameTime_OtherLines_ReturnsFalse(string line) => Assert.False(FfmpegProcess.TryParseFrameTime(line, out _));

    [Fact]
    public void TryParseFrameTime_NoTimestamp_ReturnsNaN()
    {
        Assert.True(FfmpegProcess.TryParseFrameTime("[Parsed_showinfo_0 @ 0x5] [info] n:   0 pts:NOPTS pts_time:NOPTS pos: 1", out var time));
        Assert.Equal(0, time.Index);
        Assert.True(double.IsNaN(time.Seconds));
    }

    [Theory]
    [InlineData("[tcp @ 0x55] [error] Connection to tcp://127.0.0.1:9 failed: Connection refused", true, "[tcp @ 0x55] Connection to tcp://127.0.0.1:9 failed: Connection refused")]
    [InlineData("[fatal] Error opening input file", true, "Error opening input file")]
    [InlineData("[h264 @ 0x55] [warning] corrupt frame", false, null)]
    [InlineData("[info] Stream mapping:", false, null)]
    public void TryStripErrorLevel_LevelTaggedLine_KeepsErrorsOnly(string line, bool kept, string? message)
    {
        Assert.Equal(kept, FfmpegProcess.TryStripErrorLevel(line, out var stripped));
        if (kept)
        {
            Assert.Equal(message, stripped);
        }
    }

    [Fact]
    public void BuildArguments_File_PlaysInRealTimeLoopedWithFilePrefix()
    {
        var path = Path.GetTempFileName();
        try
        {
            Assert.True(FfmpegInput.TryParse(path, out var input, out _));
            var args = input.BuildArguments(CaptureHarness.Camera("cam", path, Options), Options);

            Assert.Equal(FfmpegInputKind.File, input.Kind);
            Assert.Equal("file:" + path, input.Target);
            var i = IndexOf(args, "-i");
            Assert.Equal(["-re", "-stream_loop", "-1"], args.Skip(4).Take(3));
            Assert.Equal("file:" + path, args[i + 1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryParse_FileScheme_AcceptsBothFormsOfExistingFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            Assert.True(FfmpegInput.TryParse("file:" + path, out var a, out _));
            Assert.True(FfmpegInput.TryParse("file://" + path, out var b, out _));
            Assert.Equal("file:" + path, a.Target);
            Assert.Equal("file:" + path, b.Target);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BuildArguments_Lavfi_UsesLavfiFormatInRealTime()
    {
        Assert.True(FfmpegInput.TryParse("lavfi:testsrc=size=320x240:rate=10", out var input, out _));
        var args = input.BuildArguments(CaptureHarness.Camera("cam", "lavfi:testsrc", Options), Options);

        Assert.Equal(FfmpegInputKind.Lavfi, input.Kind);
        Assert.Equal(["-re", "-f", "lavfi", "-threads", "1", "-i", "testsrc=size=320x240:rate=10"], args.Skip(4).Take(7));
    }

    [Theory]
    [InlineData("rtsp://", "malformed RTSP URL")]
    [InlineData("rtsp:///cam", "malformed RTSP URL")]
    [InlineData("rtsp://user:secret@/cam", "malformed RTSP URL")]
    [InlineData("http://camera.local/stream", "unsupported URL scheme 'http'")]
    [InlineData("foo://bar", "unsupported URL scheme 'foo'")]
    [InlineData("/no/such/clip.mp4", "file not found: /no/such/clip.mp4")]
    [InlineData("file:/no/such/clip.mp4", "file not found: /no/such/clip.mp4")]
    [InlineData("lavfi:", "empty lavfi filter graph")]
    [InlineData("  ", "empty camera URL")]
    public void TryParse_BadUrl_FailsWithReasonWithoutCredentials(string url, string expected)
    {
        Assert.False(FfmpegInput.TryParse(url, out var input, out var error));
        Assert.Null(input);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedactText_FfmpegErrorQuotingUrl_HidesCredentials()
    {
        var url = "rtsp://admin:hunter2@10.0.0.5:554/live";
        var harness = new CaptureHarness();
        await using (harness)
        {
            var capture = harness.Capture(CaptureHarness.Camera("cam", url, Options), Options);
            await using (capture)
            {
                var text = capture.RedactText(url + ": Connection refused | [tcp @ 0x1] rtsp://other:pw@host/x failed");

                Assert.Equal("rtsp://***@10.0.0.5:554/live: Connection refused | [tcp @ 0x1] rtsp://***@host/x failed", text);
            }
        }
    }

    [Fact]
    public void ResolveExecutable_NameOrFile_IsUsedAsIs()
    {
        Assert.Equal("ffmpeg", FfmpegProcess.ResolveExecutable("ffmpeg"));
        Assert.Equal("/usr/local/bin/ffmpeg", FfmpegProcess.ResolveExecutable("/usr/local/bin/ffmpeg"));
    }

    [Fact]
    public void ResolveExecutable_Directory_FindsFfmpegInsideThroughFFMpegCore()
    {
        var dir = Directory.CreateTempSubdirectory("painstream-ffbin-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "ffmpeg"), string.Empty);

            var resolved = FfmpegProcess.ResolveExecutable(dir.FullName);

            Assert.Equal(Path.Combine(dir.FullName, "ffmpeg"), resolved);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int IndexOf(IReadOnlyList<string> args, string value)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
