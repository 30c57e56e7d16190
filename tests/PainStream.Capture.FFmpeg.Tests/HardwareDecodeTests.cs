// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Options;

namespace PainStream.Capture.FFmpeg.Tests;

public sealed class HardwareDecodeTests
{
    [Fact]
    public void Arguments_VaapiWithItsRenderNode_AsksFfmpegForVaapi()
    {
        var args = HardwareDecode.Arguments(HardwareDecodeKind.Vaapi, p => p == HardwareDecode.VaapiDevice, out var fallback);

        Assert.Equal(["-hwaccel", "vaapi", "-hwaccel_device", "/dev/dri/renderD128"], args);
        Assert.Null(fallback);
    }

    [Fact]
    public void Arguments_CudaWithTheDriver_AsksFfmpegForCuda()
    {
        var args = HardwareDecode.Arguments(HardwareDecodeKind.Cuda, p => p == HardwareDecode.CudaDevice, out var fallback);

        Assert.Equal(["-hwaccel", "cuda"], args);
        Assert.Null(fallback);
    }

    [Theory]
    [InlineData(HardwareDecodeKind.Vaapi, "/dev/dri/renderD128")]
    [InlineData(HardwareDecodeKind.Cuda, "/dev/nvidiactl")]
    public void Arguments_DeviceMissing_FallsBackToSoftwareAndSaysWhy(HardwareDecodeKind kind, string device)
    {
        var args = HardwareDecode.Arguments(kind, _ => false, out var fallback);

        Assert.Empty(args);
        Assert.NotNull(fallback);
        Assert.StartsWith("Capture:HardwareDecode=" + kind, fallback, StringComparison.Ordinal);
        Assert.Contains(device, fallback, StringComparison.Ordinal);
        Assert.Contains("software", fallback, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_None_IsSoftwareWithoutAWarning()
    {
        Assert.Empty(HardwareDecode.Arguments(HardwareDecodeKind.None, _ => true, out var fallback));
        Assert.Null(fallback);
    }

    [Fact]
    public void BuildArguments_HardwareDecodeWithoutDevice_IsTheSoftwareCommandLine()
    {
        // This machine type has neither device; the command line must then be exactly the software one.
        Assert.SkipWhen(File.Exists(HardwareDecode.VaapiDevice), "a VA-API device exists here");
        Assert.True(FfmpegInput.TryParse("lavfi:testsrc=size=64x64", out var input, out _));
        var software = new CaptureOptions();
        var vaapi = new CaptureOptions { HardwareDecode = HardwareDecodeKind.Vaapi };
        var settings = CaptureHarness.Camera("cam", "lavfi:testsrc=size=64x64", software);

        Assert.Equal(input.BuildArguments(settings, software), input.BuildArguments(settings, vaapi));
        Assert.NotNull(HardwareDecode.FallbackReason(HardwareDecodeKind.Vaapi));
    }
}
