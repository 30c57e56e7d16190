// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Publishing;

/// <summary>The periodic figures published on <c>painstream/stats</c>.</summary>
/// <param name="Ts">When the figures were taken.</param>
/// <param name="UptimeSeconds">Seconds since the daemon started.</param>
/// <param name="Cameras">Per-camera figures.</param>
/// <param name="Queues">Queue depths by name.</param>
/// <param name="FramesOutstanding">Frame buffers rented and not yet returned.</param>
public sealed record PainStreamStats(
    DateTimeOffset Ts,
    double UptimeSeconds,
    IReadOnlyList<CameraStats> Cameras,
    IReadOnlyDictionary<string, int> Queues,
    long FramesOutstanding);

/// <summary>One camera's figures in <see cref="PainStreamStats"/>.</summary>
/// <param name="Camera">The camera name.</param>
/// <param name="State">online, offline or disabled.</param>
/// <param name="FpsIn">Frames per second arriving from ffmpeg.</param>
/// <param name="FramesCaptured">Frames read since start.</param>
/// <param name="FramesProcessed">Frames that went through detection since start.</param>
/// <param name="FramesDropped">Frames dropped because detection could not keep up.</param>
/// <param name="Reconnects">Capture restarts since start.</param>
/// <param name="DetectMilliseconds">Mean detection time per frame.</param>
public sealed record CameraStats(
    string Camera,
    string State,
    double FpsIn,
    long FramesCaptured,
    long FramesProcessed,
    long FramesDropped,
    long Reconnects,
    double DetectMilliseconds);
