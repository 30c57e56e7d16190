// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Capture.FFmpeg;

/// <summary>How one capture session (one ffmpeg process, or an attempt to start one) ended.</summary>
internal enum SessionEnd
{
    /// <summary>Capture was stopped (shutdown, camera removed or changed): not a failure.</summary>
    Cancelled,

    /// <summary>The camera URL cannot be read (malformed, unsupported scheme, missing file); no process was started.</summary>
    InvalidInput,

    /// <summary>The ffmpeg executable could not be started.</summary>
    StartFailed,

    /// <summary>ffmpeg exited or closed its output. For a live source any exit is a failure, including code 0.</summary>
    Exited,

    /// <summary>The watchdog saw no frame for too long and killed ffmpeg.</summary>
    Stalled,

    /// <summary>An unexpected error in the capture loop itself.</summary>
    Faulted,
}

/// <summary>The result of one capture session, the input of <see cref="CameraCapture.OnSessionEnded"/>.</summary>
/// <param name="End">How it ended.</param>
/// <param name="Frames">Frames delivered during the session.</param>
/// <param name="Reason">Why, for the status message and the log; never contains credentials.</param>
internal readonly record struct SessionOutcome(SessionEnd End, long Frames, string Reason)
{
    /// <summary>Gets how long the session delivered frames: from its first frame to its last.</summary>
    public TimeSpan OnlineFor { get; init; }

    /// <summary>Gets a value indicating whether the outage was already reported (and counted) when it was detected.</summary>
    public bool Reported { get; init; }
}
