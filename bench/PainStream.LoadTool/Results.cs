// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.LoadTool;

/// <summary>One camera's figures over a scenario's measured window.</summary>
/// <param name="Camera">The camera name.</param>
/// <param name="Captured">Frames read from ffmpeg in the window.</param>
/// <param name="Processed">Frames through detection in the window (decode-only: equal to captured).</param>
/// <param name="Dropped">Frames dropped before detection in the window.</param>
/// <param name="AnalysedFps">Processed frames per second of window.</param>
/// <param name="Reconnects">ffmpeg restarts in the window.</param>
/// <param name="Held">Whether the camera held the target analysed fps without sustained drops.</param>
internal sealed record CameraResult(string Camera, long Captured, long Processed, long Dropped, double AnalysedFps, long Reconnects, bool Held);

/// <summary>The figures of one scenario run (one kind, one source size, one camera count).</summary>
internal sealed record ScenarioResult
{
    /// <summary>Gets <c>decode</c> (ffmpeg only) or <c>pipeline</c> (the daemon and its ffmpeg children).</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the source clip's resolution.</summary>
    public required string Source { get; init; }

    /// <summary>Gets the number of cameras.</summary>
    public required int Cameras { get; init; }

    /// <summary>Gets the measured window in seconds (wall clock).</summary>
    public required double WindowSeconds { get; init; }

    /// <summary>Gets the time from starting the daemon until every camera had a processed frame (pipeline).</summary>
    public double? ReadySeconds { get; init; }

    /// <summary>Gets the warm-up actually waited before the window (pipeline: until JIT tiering went quiet).</summary>
    public double? WarmupSeconds { get; init; }

    /// <summary>Gets whether the scenario ran to the end (false: the daemon failed to start or died; see <see cref="Error"/>).</summary>
    public bool Completed { get; init; } = true;

    /// <summary>Gets what went wrong, if anything.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the per-camera figures.</summary>
    public IReadOnlyList<CameraResult> PerCamera { get; init; } = [];

    /// <summary>Gets the frames captured by all cameras in the window.</summary>
    public long FramesCaptured { get; init; }

    /// <summary>Gets the frames processed by all cameras in the window.</summary>
    public long FramesProcessed { get; init; }

    /// <summary>Gets the frames dropped by all cameras in the window.</summary>
    public long FramesDropped { get; init; }

    /// <summary>Gets the CPU seconds of everything measured (decode: the ffmpeg processes; pipeline: the daemon and its children).</summary>
    public double CpuSeconds { get; init; }

    /// <summary>Gets the faces the daemon analysed in the window that the detector found in their frame (pipeline; NaN when the daemon does not count them).</summary>
    public double FacesDetected { get; init; } = double.NaN;

    /// <summary>Gets the faces the daemon analysed in the window that it followed from the previous frame's landmarks (pipeline).</summary>
    public double FacesTracked { get; init; } = double.NaN;

    /// <summary>Gets the bytes the daemon allocated on the managed heap per analysed frame (pipeline; NaN without the runtime meter).</summary>
    public double AllocatedBytesPerFrame { get; init; } = double.NaN;

    /// <summary>Gets the thread-pool work items the daemon ran per analysed frame (pipeline; NaN without the runtime meter).</summary>
    public double ThreadPoolItemsPerFrame { get; init; } = double.NaN;

    /// <summary>Gets the contended lock acquisitions in the daemon per analysed frame (pipeline; NaN without the runtime meter).</summary>
    public double LockContentionsPerFrame { get; init; } = double.NaN;

    /// <summary>Gets the daemon's voluntary context switches (a thread blocked: a wake-up) per analysed frame (pipeline).</summary>
    public double VoluntarySwitchesPerFrame { get; init; } = double.NaN;

    /// <summary>Gets the daemon's involuntary context switches (preempted, or yielded while spinning) per analysed frame (pipeline).</summary>
    public double InvoluntarySwitchesPerFrame { get; init; } = double.NaN;

    /// <summary>Gets the daemon's read system calls (pipe, socket, file) per analysed frame (pipeline).</summary>
    public double ReadCallsPerFrame { get; init; } = double.NaN;

    /// <summary>Gets the CPU seconds of the ffmpeg processes alone.</summary>
    public double FfmpegCpuSeconds { get; init; }

    /// <summary>Gets the CPU seconds of the daemon process alone (pipeline), or of the load tool's own pipe reading (decode).</summary>
    public double HostCpuSeconds { get; init; }

    /// <summary>Gets <see cref="CpuSeconds"/> per captured frame, in milliseconds.</summary>
    public double CpuMsPerFrame { get; init; }

    /// <summary>Gets the average number of cores busy with the measured processes.</summary>
    public double CoresUsed { get; init; }

    /// <summary>Gets the average number of cores busy with anything else on the machine during the window (noise indicator).</summary>
    public double OtherCoresBusy { get; init; }

    /// <summary>Gets the median detection time in milliseconds (pipeline).</summary>
    public double? DetectP50Ms { get; init; }

    /// <summary>Gets the 95th-percentile detection time in milliseconds (pipeline).</summary>
    public double? DetectP95Ms { get; init; }

    /// <summary>Gets the median capture → detected latency in milliseconds (pipeline).</summary>
    public double? LatencyP50Ms { get; init; }

    /// <summary>Gets the 95th-percentile capture → detected latency in milliseconds (pipeline).</summary>
    public double? LatencyP95Ms { get; init; }

    /// <summary>Gets the daemon's resident memory at the end of the window, in MiB (pipeline).</summary>
    public double? DaemonRssMiB { get; init; }

    /// <summary>Gets the daemon's peak resident memory, in MiB (pipeline).</summary>
    public double? DaemonHwmMiB { get; init; }

    /// <summary>Gets the largest summed resident memory of the ffmpeg processes, in MiB.</summary>
    public double? FfmpegRssMiB { get; init; }

    /// <summary>Gets the ffmpeg processes still running after the daemon stopped (should be 0; they were killed).</summary>
    public int LeftoverChildren { get; init; }

    /// <summary>Gets a value indicating whether every camera held the target analysed fps.</summary>
    public bool AllHeld { get; init; }

    /// <summary>
    /// Gets the daemon's CPU seconds in the window by thread name (digits folded, e.g. <c>.NET TP Worker</c>), largest first:
    /// where the non-ffmpeg CPU goes. Threads that ended inside the window are missing, so the sum can be below host CPU.
    /// </summary>
    public IReadOnlyDictionary<string, double>? DaemonThreads { get; init; }

    /// <summary>Gets the last lines of the daemon's output when it failed.</summary>
    public string? LogTail { get; init; }

    /// <summary>Gets the machine's 1-, 5- and 15-minute load averages at the end of the window (pipeline and alert-latency).</summary>
    public string? LoadAverage { get; init; }

    /// <summary>Gets the alert-latency figures (alert-latency scenario only).</summary>
    public AlertLatencyFigures? Alerts { get; init; }
}

/// <summary>What the alert-latency scenario measured in its window, besides the pipeline figures.</summary>
internal sealed record AlertLatencyFigures
{
    /// <summary>Gets the clips the cameras played (camera i plays clip i mod count), each a phase of the same loop.</summary>
    public required IReadOnlyList<string> Clips { get; init; }

    /// <summary>Gets the length of one loop of the clip, in seconds.</summary>
    public required double LoopSeconds { get; init; }

    /// <summary>Gets the alerting and scoring settings the daemon ran with.</summary>
    public required IReadOnlyDictionary<string, double> Settings { get; init; }

    /// <summary>Gets the events timed by <c>painstream_alert_latency_seconds</c> in the window, by type (new, update, end).</summary>
    public required IReadOnlyDictionary<string, long> TimedByType { get; init; }

    /// <summary>Gets the median capture → PUBACK latency of every timed event, in ms (interpolated inside a bucket).</summary>
    public double? P50Ms { get; init; }

    /// <summary>Gets the 95th percentile of the same, in ms.</summary>
    public double? P95Ms { get; init; }

    /// <summary>Gets the upper bound of the highest non-empty bucket, in ms: every timed event took at most this long.</summary>
    public double? MaxBoundMs { get; init; }

    /// <summary>Gets the median capture → PUBACK latency of <c>new</c> events (the ones that page a nurse), in ms.</summary>
    public double? NewP50Ms { get; init; }

    /// <summary>Gets the 95th percentile of the same, in ms.</summary>
    public double? NewP95Ms { get; init; }

    /// <summary>Gets the events received by the load tool's own MQTT subscriber on <c>&lt;prefix&gt;/alerts</c> in the window.</summary>
    public int Received { get; init; }

    /// <summary>Gets the median of (receipt by the subscriber − the event's <c>ts</c>, when the daemon raised it), in ms: exact, per event.</summary>
    public double? EmitToSubscriberP50Ms { get; init; }

    /// <summary>Gets the 95th percentile of the same, in ms.</summary>
    public double? EmitToSubscriberP95Ms { get; init; }

    /// <summary>Gets the largest of the same, in ms.</summary>
    public double? EmitToSubscriberMaxMs { get; init; }

    /// <summary>Gets what went wrong with the measurement, if anything (e.g. a daemon without the metric).</summary>
    public string? Note { get; init; }
}

/// <summary>What one sweep concluded for a source size.</summary>
/// <param name="Source">The source resolution.</param>
/// <param name="LargestHeldDecode">The largest camera count whose decode-only run held the target fps.</param>
/// <param name="LargestHeldPipeline">The largest camera count whose pipeline run held the target fps.</param>
/// <param name="Ratios">Pipeline / decode-only CPU per frame, per camera count where both ran.</param>
/// <param name="DaemonFixedCores">
/// The daemon process's CPU that does not depend on the frame rate (cores), from a least-squares line through the pipeline
/// runs' (analysed frames per second, daemon CPU per second); <see langword="null"/> with fewer than two runs.
/// </param>
/// <param name="DaemonMsPerFrame">The slope of that line: the daemon process's marginal CPU per analysed frame, in ms.</param>
/// <param name="LargestTested">The largest camera count in the sweep: when it held, the limit is above it.</param>
internal sealed record SweepSummary(string Source, int? LargestHeldDecode, int? LargestHeldPipeline, IReadOnlyDictionary<int, double> Ratios, double? DaemonFixedCores = null, double? DaemonMsPerFrame = null, int LargestTested = 0);

/// <summary>Everything a load run writes to its JSON file.</summary>
internal sealed record LoadReport
{
    /// <summary>Gets the exact command line.</summary>
    public required string CommandLine { get; init; }

    /// <summary>Gets when the run started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the run ended (UTC).</summary>
    public DateTimeOffset EndedAt { get; set; }

    /// <summary>Gets a description of the machine.</summary>
    public required IReadOnlyDictionary<string, string> Machine { get; init; }

    /// <summary>Gets the settings the run used.</summary>
    public required Dictionary<string, string> Settings { get; init; }

    /// <summary>Gets every scenario run, in order.</summary>
    public List<ScenarioResult> Scenarios { get; } = [];

    /// <summary>Gets the per-size conclusions.</summary>
    public List<SweepSummary> Summary { get; } = [];
}
