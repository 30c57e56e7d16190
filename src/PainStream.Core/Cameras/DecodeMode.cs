// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Cameras;

/// <summary>What a camera's ffmpeg decodes (<c>Capture:DecodeMode</c>, <c>Cameras:&lt;name&gt;:DecodeMode</c>; a camera setting, so Cameras does not depend on Options).</summary>
public enum DecodeMode
{
    /// <summary>Every frame is decoded and resampled to the analysis rate (<c>fps</c> filter).</summary>
    All = 0,

    /// <summary>
    /// Only key frames are decoded (<c>-skip_frame nokey</c>), each delivered once with its stream timestamp: about 5x less
    /// decoding CPU, at the camera's keyframe rate (set a 1 s GOP on the camera).
    /// </summary>
    Keyframes = 1,
}
