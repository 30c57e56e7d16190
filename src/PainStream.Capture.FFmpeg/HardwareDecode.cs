// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Options;

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// ffmpeg's input arguments for <c>Capture:HardwareDecode</c>, with the software fallback when the device is missing.
/// </summary>
/// <remarks>
/// Frames are downloaded to system memory after decoding (no <c>-hwaccel_output_format</c>), so the scale/pad filters and the
/// raw BGR24 output stay as in software decoding; only the decode moves to the GPU. A codec the device cannot decode makes
/// ffmpeg fall back to software by itself.
/// </remarks>
public static class HardwareDecode
{
    /// <summary>The VA-API render node used for <see cref="HardwareDecodeKind.Vaapi"/>.</summary>
    public const string VaapiDevice = "/dev/dri/renderD128";

    /// <summary>The NVIDIA control device whose presence means the driver is loaded (<see cref="HardwareDecodeKind.Cuda"/>).</summary>
    public const string CudaDevice = "/dev/nvidiactl";

    /// <summary>Gets the arguments that go before <c>-i</c>, or none when decoding in software.</summary>
    /// <param name="kind">The configured decoder.</param>
    /// <param name="deviceExists">Whether a device path exists (<see cref="File.Exists"/> in production).</param>
    /// <param name="fallback">Why the configured decoder is not used (device missing), or <see langword="null"/>.</param>
    /// <returns>The arguments; empty for software decoding.</returns>
    public static IReadOnlyList<string> Arguments(HardwareDecodeKind kind, Func<string, bool> deviceExists, out string? fallback)
    {
        ArgumentNullException.ThrowIfNull(deviceExists);
        fallback = null;
        switch (kind)
        {
            case HardwareDecodeKind.Vaapi when deviceExists(VaapiDevice):
                return ["-hwaccel", "vaapi", "-hwaccel_device", VaapiDevice];
            case HardwareDecodeKind.Vaapi:
                fallback = $"Capture:HardwareDecode=Vaapi but {VaapiDevice} does not exist; decoding in software";
                return [];
            case HardwareDecodeKind.Cuda when deviceExists(CudaDevice):
                return ["-hwaccel", "cuda"];
            case HardwareDecodeKind.Cuda:
                fallback = $"Capture:HardwareDecode=Cuda but {CudaDevice} does not exist (no NVIDIA driver); decoding in software";
                return [];
            default:
                return [];
        }
    }

    /// <summary>Gets why the configured decoder cannot be used on this machine, or <see langword="null"/>; logged once at start.</summary>
    /// <param name="kind">The configured decoder.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    public static string? FallbackReason(HardwareDecodeKind kind)
    {
        Arguments(kind, File.Exists, out var fallback);
        return fallback;
    }
}
