// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Cameras;

/// <summary>Whether a camera is delivering frames.</summary>
public enum CameraState
{
    /// <summary>Not yet connected, or reconnecting after a failure.</summary>
    Offline,

    /// <summary>Frames are arriving.</summary>
    Online,

    /// <summary>Configured but switched off.</summary>
    Disabled,
}

/// <summary>A camera's state as published on <c>painstream/&lt;camera&gt;/status</c> (retained).</summary>
/// <param name="Camera">The camera.</param>
/// <param name="State">Online, offline or disabled.</param>
/// <param name="Fps">Frames per second delivered over the last few seconds.</param>
/// <param name="LastFrameAt">When the last frame arrived, if ever.</param>
/// <param name="Reconnects">How many times the capture process was restarted.</param>
/// <param name="Error">Why the camera is offline, without credentials; <see langword="null"/> when online.</param>
/// <param name="Since">When the camera entered <paramref name="State"/>.</param>
public sealed record CameraStatus(
    CameraId Camera,
    CameraState State,
    double Fps,
    DateTimeOffset? LastFrameAt,
    long Reconnects,
    string? Error,
    DateTimeOffset Since)
{
    /// <summary>Gets what the camera's ffmpeg decodes.</summary>
    public DecodeMode DecodeMode { get; init; }

    /// <summary>
    /// Gets the camera's keyframe interval (GOP) in seconds as measured from the stream timestamps of the key frames it
    /// delivered (median of the last few), or <see langword="null"/> when not measured (all-frames mode, or fewer than two
    /// key frames seen yet).
    /// </summary>
    public double? KeyframeIntervalSeconds { get; init; }
}
