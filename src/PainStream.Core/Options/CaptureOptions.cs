// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;

namespace PainStream.Core.Options;

/// <summary>The <c>Capture</c> section: defaults for every camera's ffmpeg process and watchdog. Needs a restart.</summary>
public sealed class CaptureOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Capture";

    /// <summary>Gets or sets the path or name of the ffmpeg executable. <value>The default value is <c>ffmpeg</c> (found on PATH).</value></summary>
    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>Gets or sets the analysis rate; ffmpeg drops the other frames. <value>The default value is 5.</value></summary>
    [Range(0.1, 60)]
    public double Fps { get; set; } = 5;

    /// <summary>Gets or sets the analysis width in pixels; ffmpeg scales and letterboxes to it. <value>The default value is 640.</value></summary>
    [Range(64, 3840)]
    public int Width { get; set; } = 640;

    /// <summary>Gets or sets the analysis height in pixels. <value>The default value is 360.</value></summary>
    [Range(64, 2160)]
    public int Height { get; set; } = 360;

    /// <summary>
    /// Gets or sets the width of the picture a camera with <c>Analysis</c> = <c>beds</c> is decoded to (letterboxed, as for
    /// <see cref="Width"/>); each bed's region is cut from it at these pixels. <value>The default value is 1920.</value>
    /// </summary>
    [Range(64, 3840)]
    public int BedsWidth { get; set; } = 1920;

    /// <summary>Gets or sets the height of the <c>beds</c> analysis picture. <value>The default value is 1080.</value></summary>
    [Range(64, 2160)]
    public int BedsHeight { get; set; } = 1080;

    /// <summary>Gets or sets the watchdog timeout: a camera with no frame for this long is restarted. <value>The default value is 5 s.</value></summary>
    [Range(0.5, 300)]
    public double StallTimeoutSeconds { get; set; } = 5;

    /// <summary>Gets or sets ffmpeg's RTSP socket timeout (<c>-timeout</c>). <value>The default value is 5 s.</value></summary>
    [Range(0.5, 300)]
    public double RtspTimeoutSeconds { get; set; } = 5;

    /// <summary>Gets or sets the first reconnect delay. <value>The default value is 1 s.</value></summary>
    [Range(0.05, 60)]
    public double BackoffInitialSeconds { get; set; } = 1;

    /// <summary>Gets or sets the longest reconnect delay. <value>The default value is 30 s.</value></summary>
    [Range(0.05, 3600)]
    public double BackoffMaxSeconds { get; set; } = 30;

    /// <summary>Gets or sets ffmpeg's decoder threads per camera; 1 is the most CPU-efficient with many cameras. <value>The default value is 1.</value></summary>
    [Range(0, 16)]
    public int DecoderThreads { get; set; } = 1;

    /// <summary>
    /// Gets or sets what ffmpeg decodes: <see cref="DecodeMode.All"/> (every frame, resampled to <see cref="Fps"/>) or
    /// <see cref="DecodeMode.Keyframes"/> (key frames only, each delivered once with its stream timestamp; the analysis rate is
    /// the camera's keyframe rate). Each camera may override it with <c>Cameras:&lt;name&gt;:DecodeMode</c>.
    /// <value>The default value is <see cref="DecodeMode.All"/>.</value>
    /// </summary>
    public DecodeMode DecodeMode { get; set; } = DecodeMode.All;

    /// <summary>
    /// Gets or sets the longest keyframe interval (GOP) expected of a camera in <see cref="DecodeMode.Keyframes"/> mode: a camera
    /// whose measured interval is longer is named in a warning, and its stall watchdog is judged against 2.5 intervals.
    /// <value>The default value is 2 s.</value>
    /// </summary>
    [Range(0.1, 60)]
    public double MaxKeyframeIntervalSeconds { get; set; } = 2;

    /// <summary>
    /// Gets or sets how long a session must have delivered frames (first to last frame) before the reconnect delay starts
    /// again from <see cref="BackoffInitialSeconds"/>, so a camera whose server restarts every few seconds is retried quickly
    /// each time it comes back (a session must also have delivered at least two frames). <value>The default value is 1 s.</value>
    /// </summary>
    [Range(0.1, 600)]
    public double BackoffResetSeconds { get; set; } = 1;

    /// <summary>
    /// Gets or sets ffmpeg's hardware decoder: <c>None</c>, <c>Vaapi</c> (Intel/AMD, <c>/dev/dri/renderD128</c>) or <c>Cuda</c>
    /// (NVIDIA, <c>/dev/nvidiactl</c>). When the device is missing the camera decodes in software and a warning says so.
    /// <value>The default value is <see cref="HardwareDecodeKind.None"/>.</value>
    /// </summary>
    public HardwareDecodeKind HardwareDecode { get; set; } = HardwareDecodeKind.None;

    /// <summary>
    /// Gets or sets the pixel format ffmpeg delivers frames in: <c>bgr24</c> (packed BGR) or <c>i420</c> (planar YUV 4:2:0, what
    /// H.264 decodes to: half the bytes, no colour conversion in ffmpeg; landmarks read the luma plane and the detector converts
    /// only its 128/256-pixel input). <c>i420</c> needs an even <see cref="Width"/>, <see cref="Height"/>, <see cref="BedsWidth"/>
    /// and <see cref="BedsHeight"/>. Needs a restart, as every <c>Capture</c> key. <value>The default value is <c>bgr24</c>.</value>
    /// </summary>
    public FramePixelFormat PixelFormat { get; set; } = FramePixelFormat.Bgr24;

    /// <summary>The picture size a camera analyses in <paramref name="mode"/>: <c>Width</c>×<c>Height</c> for the whole frame,
    /// <c>BedsWidth</c>×<c>BedsHeight</c> for per-bed analysis.</summary>
    /// <param name="mode">The analysis mode.</param>
    /// <returns>Width and height in pixels.</returns>
    public (int Width, int Height) AnalysisSize(AnalysisMode mode) =>
        mode == AnalysisMode.Beds ? (BedsWidth, BedsHeight) : (Width, Height);
}

/// <summary>Hardware video decoders ffmpeg can be asked to use (<c>Capture:HardwareDecode</c>).</summary>
public enum HardwareDecodeKind
{
    /// <summary>Software decoding.</summary>
    None,

    /// <summary>VA-API (Intel/AMD GPUs), through the first DRM render node.</summary>
    Vaapi,

    /// <summary>NVIDIA NVDEC through CUDA.</summary>
    Cuda,
}
