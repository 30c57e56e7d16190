// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// Captures one camera: supervises one ffmpeg child process that decodes the stream to raw BGR24 frames at the analysis
/// rate and size, and restarts it with backoff whenever it exits or stalls.
/// </summary>
/// <remarks>
/// <para>
/// Each session starts ffmpeg, reads its stdout in exact frame-size chunks into frames rented from the <see cref="FramePool"/>
/// and writes them to the capture channel (whose DropOldest callback counts and disposes evicted frames). The first frame
/// of a session marks the camera online. A session ends when ffmpeg exits or closes its output (for a live source any
/// exit is a failure, even code 0), when no frame arrived for <see cref="CaptureOptions.StallTimeoutSeconds"/> (the
/// watchdog), or when capture is stopped. Every ending kills the process tree and reaps it; a failure marks the camera
/// offline with a credential-free reason, counts a reconnect and waits <see cref="ReconnectBackoff"/> before the next
/// session. Nothing escapes the loop: a bad URL or a broken stream only ever affects this camera.
/// </para>
/// <para>
/// Thread-safety: <see cref="Start"/>, <see cref="StopAsync"/> and <see cref="DisposeAsync"/> may be called from any thread;
/// stopping is idempotent and returns once the ffmpeg process has been killed and reaped.
/// </para>
/// </remarks>
public sealed partial class CameraCapture : IAsyncDisposable
{
    // When a live source has to (re)connect, the first frame may take the RTSP socket timeout plus a normal frame gap.
    private const double StableSessionSeconds = 10;

    // The first retries of an outage come at the initial delay before doubling starts: an RTSP server that restarts (a few
    // seconds down, its own start-up included) is then seen again about one initial delay after it listens, while a camera
    // that stays down is still backed off to BackoffMaxSeconds. An ffmpeg start costs little next to the analysis.
    private const int SteadyReconnectAttempts = 3;

    // ffmpeg's default -analyzeduration: how long probing may take before the first frame in keyframes mode.
    private const double KeyframeProbeSeconds = 5;

    // A watchdog timer that wakes later than this after its deadline was not run by the daemon (frozen, GC, starved): the
    // camera is not blamed for it.
    private static readonly TimeSpan PauseTolerance = TimeSpan.FromSeconds(1);

    // How long the session waits for showinfo's line of a frame it has read (the line is written before the frame).
    private static readonly TimeSpan FrameTimeWait = TimeSpan.FromSeconds(1);

    private readonly long _stableSessionFrames;
    private readonly TimeSpan _backoffReset;
    private readonly TimeSpan _stallTimeout;
    private readonly TimeSpan _firstFrameTimeout;
    private readonly CaptureOptions _options;
    private readonly FramePool _pool;
    private readonly CameraRegistry _registry;
    private readonly ChannelWriter<Frame> _writer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly string _executable;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private int _processId;
    private long _sessions;
    private string? _lastReason;
    private int _stopRequested;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="CameraCapture"/> class. Call <see cref="Start"/> to begin.</summary>
    /// <param name="settings">The camera (its URL may contain credentials; they are never logged).</param>
    /// <param name="options">ffmpeg path, watchdog, RTSP timeout, backoff and decoder threads.</param>
    /// <param name="pool">Where frame buffers are rented.</param>
    /// <param name="registry">Receives online/offline transitions and the captured/reconnect counters.</param>
    /// <param name="writer">The capture → detect channel.</param>
    /// <param name="logger">The logger.</param>
    public CameraCapture(CameraSettings settings, CaptureOptions options, FramePool pool, CameraRegistry registry, ChannelWriter<Frame> writer, ILogger<CameraCapture> logger)
        : this(settings, options, pool, registry, writer, logger, TimeProvider.System)
    {
    }

    internal CameraCapture(
        CameraSettings settings,
        CaptureOptions options,
        FramePool pool,
        CameraRegistry registry,
        ChannelWriter<Frame> writer,
        ILogger logger,
        TimeProvider time,
        ReconnectBackoff? backoff = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        Settings = settings;
        _options = options;
        _pool = pool;
        _registry = registry;
        _writer = writer;
        _logger = logger;
        _time = time;
        _backoff = backoff ?? new ReconnectBackoff(
            TimeSpan.FromSeconds(options.BackoffInitialSeconds),
            TimeSpan.FromSeconds(Math.Max(options.BackoffMaxSeconds, options.BackoffInitialSeconds)),
            steadyAttempts: SteadyReconnectAttempts);
        _executable = FfmpegProcess.ResolveExecutable(options.FfmpegPath);
        // A slow camera (Fps 0.2 = one frame every 5 s) must not look stalled between two frames: allow 2.5 frame periods.
        // In keyframes mode the frame period is the keyframe interval: the longest expected until it is measured.
        _stallTimeout = settings.DecodeMode == DecodeMode.Keyframes
            ? KeyframeStallTimeout(options, null)
            : TimeSpan.FromSeconds(Math.Max(options.StallTimeoutSeconds, 2.5 / settings.Fps));
        _backoffReset = TimeSpan.FromSeconds(options.BackoffResetSeconds);

        // A session counts as working (and resets the backoff) after about 10 s worth of frames, so a camera that sends
        // one frame and drops the session is still backed off instead of being retried every second forever.
        _stableSessionFrames = Math.Max(1, (long)Math.Ceiling(settings.Fps * StableSessionSeconds));
        _firstFrameTimeout = FfmpegInput.TryParse(settings.Url, out var input, out _) && input.Kind == FfmpegInputKind.Rtsp
            ? _stallTimeout + TimeSpan.FromSeconds(options.RtspTimeoutSeconds)
            : _stallTimeout;
        if (settings.DecodeMode == DecodeMode.Keyframes)
        {
            // The first key frame may be a whole GOP away, and ffmpeg's stream probing, with non-key frames skipped, can run
            // to its default analyze duration (5 s) against a live stream; many cameras starting at once stretch both.
            _firstFrameTimeout += TimeSpan.FromSeconds(options.MaxKeyframeIntervalSeconds + KeyframeProbeSeconds);
        }
    }

    /// <summary>Gets the camera's settings this capture runs with.</summary>
    public CameraSettings Settings { get; }

    /// <summary>Gets the camera.</summary>
    public CameraId Camera => Settings.Camera;

    /// <summary>Gets the task of the capture loop; it completes after <see cref="StopAsync"/> and never faults.</summary>
    public Task Completion
    {
        get
        {
            lock (_gate)
            {
                return _loop ?? Task.CompletedTask;
            }
        }
    }

    /// <summary>Gets the id of the running ffmpeg process, or 0 between sessions (diagnostics and tests).</summary>
    internal int ProcessId => Volatile.Read(ref _processId);

    /// <summary>Gets the watchdog timeout for the first frame of a session.</summary>
    internal TimeSpan FirstFrameTimeout => _firstFrameTimeout;

    /// <summary>Gets the watchdog timeout between frames.</summary>
    internal TimeSpan StallTimeout => _stallTimeout;

    /// <summary>The stall timeout of a keyframes-mode camera: 2.5 keyframe intervals (the measured one, else the longest expected), at least <c>StallTimeoutSeconds</c>.</summary>
    /// <param name="options">The capture options.</param>
    /// <param name="measuredSeconds">The measured keyframe interval, if known.</param>
    /// <returns>The timeout.</returns>
    internal static TimeSpan KeyframeStallTimeout(CaptureOptions options, double? measuredSeconds) =>
        TimeSpan.FromSeconds(Math.Max(options.StallTimeoutSeconds, 2.5 * (measuredSeconds ?? options.MaxKeyframeIntervalSeconds)));

    /// <summary>Starts the capture loop in the background. Calling it again does nothing.</summary>
    /// <exception cref="ObjectDisposedException">The capture was stopped.</exception>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopRequested) != 0, this);
            _loop ??= Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    /// <summary>Stops capture: kills and reaps ffmpeg and waits for the loop to end. Idempotent.</summary>
    /// <returns>A task that completes when no process of this camera is left.</returns>
    public async Task StopAsync()
    {
        Task? loop;
        bool first;
        lock (_gate)
        {
            first = Interlocked.Exchange(ref _stopRequested, 1) == 0;
            loop = _loop;
        }

        if (first)
        {
            await _stopping.CancelAsync();
        }

        if (loop is not null)
        {
            await loop;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Dispose();
        }
    }

    /// <summary>The capture loop: sessions separated by backoff delays, until <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that completes (never faults) after the last process was reaped.</returns>
    internal async Task RunAsync(CancellationToken cancellationToken)
    {
        _logger.CaptureStarting(Camera.Value, Settings.RedactedUrl);
        while (!cancellationToken.IsCancellationRequested)
        {
            SessionOutcome outcome;
            try
            {
                outcome = await RunSessionAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // By design: one camera's unexpected failure must never end its loop nor touch other cameras; it is
                // reported like any other failed session and retried with backoff.
                _logger.CaptureFaulted(ex, Camera.Value);
                outcome = new SessionOutcome(SessionEnd.Faulted, 0, "capture failed: " + RedactText(ex.Message));
            }

            if (outcome.End == SessionEnd.Cancelled)
            {
                break;
            }

            var delay = OnSessionEnded(outcome);
            try
            {
                await Task.Delay(delay, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _logger.CaptureStopped(Camera.Value);
    }

    /// <summary>
    /// Decides what follows a session: marks the camera offline with the reason, counts the reconnect, resets the backoff
    /// when the session had delivered about 10 s worth of frames, and returns how long to wait before the next one.
    /// </summary>
    /// <param name="outcome">How the session ended (not <see cref="SessionEnd.Cancelled"/>).</param>
    /// <returns>The delay before the next session.</returns>
    internal TimeSpan OnSessionEnded(SessionOutcome outcome)
    {
        if (outcome.Frames >= _stableSessionFrames || (outcome.Frames >= 2 && outcome.OnlineFor >= _backoffReset))
        {
            // The stream worked for a while: a new outage starts again from the initial delay, so a server that restarts
            // every few seconds is picked up again within about a second each time it is back.
            _backoff.Reset();
        }

        // Count first, so that the published offline status already includes this outage (unless the watchdog did both when
        // it declared the stall).
        if (!outcome.Reported)
        {
            _registry.Get(Camera).OnReconnect();
        }

        _registry.SetOffline(Camera, outcome.Reason);
        var delay = _backoff.Next();
        if (string.Equals(outcome.Reason, _lastReason, StringComparison.Ordinal))
        {
            // The same failure again (a camera that stays down): keep the warning log readable.
            _logger.CameraStillOffline(Camera.Value, outcome.Reason, delay.TotalSeconds, _backoff.Attempt);
        }
        else
        {
            _logger.CameraOffline(Camera.Value, outcome.Reason, delay.TotalSeconds);
        }

        _lastReason = outcome.Reason;
        return delay;
    }

    /// <summary>Runs one session: starts ffmpeg, pumps frames until it ends, and always kills and reaps the process.</summary>
    /// <param name="cancellationToken">Stops the session.</param>
    /// <returns>How the session ended.</returns>
    internal async Task<SessionOutcome> RunSessionAsync(CancellationToken cancellationToken)
    {
        if (!FfmpegInput.TryParse(Settings.Url, out var input, out var error))
        {
            return new SessionOutcome(SessionEnd.InvalidInput, 0, error);
        }

        var arguments = input.BuildArguments(Settings, _options);
        var counters = _registry.Get(Camera);
        counters.DecodeMode = Settings.DecodeMode;
        if (Settings.DecodeMode != DecodeMode.Keyframes)
        {
            counters.KeyframeIntervalSeconds = null;
        }

        FfmpegProcess process;
        try
        {
            process = FfmpegProcess.Start(_executable, arguments);
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            return new SessionOutcome(SessionEnd.StartFailed, 0, "cannot start ffmpeg '" + _options.FfmpegPath + "': " + ex.Message);
        }

        await using (process)
        {
            var session = Interlocked.Increment(ref _sessions);
            Volatile.Write(ref _processId, process.Id);
            _logger.FfmpegStarted(Camera.Value, session, process.Id);
            try
            {
                return await PumpAsync(process, input.Kind, cancellationToken);
            }
            finally
            {
                Volatile.Write(ref _processId, 0);
            }
        }
    }

    private async Task<SessionOutcome> PumpAsync(FfmpegProcess process, FfmpegInputKind kind, CancellationToken cancellationToken)
    {
        var camera = Camera;
        var counters = _registry.Get(camera);
        var (width, height) = (Settings.Width, Settings.Height);
        var keyframes = Settings.DecodeMode == DecodeMode.Keyframes ? new KeyframeTimeline() : null;
        var stallTimeout = keyframes is null ? _stallTimeout : KeyframeStallTimeout(_options, counters.KeyframeIntervalSeconds);
        long frames = 0;
        long firstFrame = 0;
        long lastFrame = 0;

        // The watchdog is a timer on the injected clock, pushed back on every frame. When it declares a stall it reports the
        // camera offline at once (within the configured time, not after ffmpeg has been reaped) and kills ffmpeg, which also
        // ends a read that is blocked on the pipe; so does stopping capture.
        using var watchdog = new StallWatchdog(
            _time,
            _firstFrameTimeout,
            PauseTolerance,
            silence => ReportStall(frames == 0, silence),
            late => _logger.DaemonPaused(camera.Value, late.TotalSeconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
        using var killOnCancel = linked.Token.Register(static state => ((FfmpegProcess)state!).Kill(), process);

        // Blocking reads on a thread of this session (see PipeFrameReader): no epoll wake-up, thread-pool hop or allocation per
        // pipe chunk. Cancellation and stalls end a read by killing ffmpeg (above), which closes the pipe.
        using var reader = new PipeFrameReader(process.Stdout, ReaderThreadName(camera));
        try
        {
            while (true)
            {
                var frame = _pool.Rent(camera, width, height, _options.PixelFormat);
                try
                {
                    await reader.ReadExactlyAsync(frame.Memory);
                    linked.Token.ThrowIfCancellationRequested();
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }

                var arrival = _time.GetUtcNow();
                var capturedAt = arrival;
                if (keyframes is not null)
                {
                    var pts = await NextFrameTimeAsync(process, frames, linked.Token);
                    capturedAt = keyframes.Stamp(pts, arrival);
                    if (keyframes.IntervalSeconds is { } interval)
                    {
                        OnKeyframeInterval(counters, interval);
                        stallTimeout = KeyframeStallTimeout(_options, interval);
                    }
                }

                watchdog.Feed(stallTimeout);
                frames++;
                lastFrame = _time.GetTimestamp();
                frame.Stamp(frames, capturedAt, lastFrame);
                counters.OnCaptured();
                if (frames == 1)
                {
                    firstFrame = lastFrame;
                    _registry.SetOnline(camera);
                    _lastReason = null;
                    _logger.CameraOnline(camera.Value, process.Id);
                }

                // Ownership passes to the channel; a full DropOldest channel disposes what it evicts. False means the
                // channel was completed (shutdown): the frame is still ours.
                if (!_writer.TryWrite(frame))
                {
                    frame.Dispose();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or EndOfStreamException or IOException or ObjectDisposedException)
        {
            // Which of these surfaces depends on who won the race (kill vs. cancellation vs. EOF): decide by the flags.
        }

        var onlineFor = frames == 0 ? TimeSpan.Zero : _time.GetElapsedTime(firstFrame, lastFrame);
        if (cancellationToken.IsCancellationRequested)
        {
            return new SessionOutcome(SessionEnd.Cancelled, frames, "stopped") { OnlineFor = onlineFor };
        }

        if (watchdog.Stalled)
        {
            var stderr = await process.LastErrorLinesAsync();
            return new SessionOutcome(SessionEnd.Stalled, frames, AppendStderr(StallReason(frames == 0, watchdog.Timeout), stderr)) { OnlineFor = onlineFor, Reported = true };
        }

        var (exitCode, killed) = await process.WaitForExitOrKillAsync();
        var lines = await process.LastErrorLinesAsync();
        var what = kind == FfmpegInputKind.Rtsp ? "stream ended" : "input ended";
        var message = killed
            ? "ffmpeg closed its output and did not exit; killed"
            : string.Create(CultureInfo.InvariantCulture, $"ffmpeg exited with code {exitCode}{(exitCode == 0 ? " (" + what + ")" : string.Empty)}");
        return new SessionOutcome(SessionEnd.Exited, frames, AppendStderr(message, lines)) { OnlineFor = onlineFor };
    }

    // Linux shows 15 characters of a thread's name: "cap " and the end of the camera's name, where names usually differ.
    private static string ReaderThreadName(CameraId camera) =>
        "cap " + (camera.Value.Length <= 11 ? camera.Value : camera.Value[^11..]);

    private static string StallReason(bool firstFrame, TimeSpan timeout) => firstFrame
        ? string.Create(CultureInfo.InvariantCulture, $"no frame within {timeout.TotalSeconds:0.##} s of starting ffmpeg")
        : string.Create(CultureInfo.InvariantCulture, $"no frame for {timeout.TotalSeconds:0.##} s");

    /// <summary>The watchdog declared a stall: the camera is reported offline now; ffmpeg is killed and reaped after.</summary>
    private void ReportStall(bool firstFrame, TimeSpan silence)
    {
        var reason = StallReason(firstFrame, silence);
        _registry.Get(Camera).OnReconnect();
        _registry.SetOffline(Camera, reason);
    }

    /// <summary>Waits for showinfo's line of frame <paramref name="index"/>; NaN (arrival time used) when it does not come.</summary>
    private static async ValueTask<double> NextFrameTimeAsync(FfmpegProcess process, long index, CancellationToken cancellationToken)
    {
        if (process.FrameTimes is not { } times)
        {
            return double.NaN;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(FrameTimeWait);
        try
        {
            while (await times.WaitToReadAsync(wait.Token))
            {
                while (times.TryRead(out var time))
                {
                    // Lines of frames that never reached stdout (none are expected) are skipped.
                    if (time.Index >= index)
                    {
                        return time.Seconds;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // By design: a missing line costs the frame its stream time, not the frame.
        }

        return double.NaN;
    }

    private void OnKeyframeInterval(CameraCounters counters, double interval)
    {
        var before = counters.KeyframeIntervalSeconds;
        if (before is { } b && Math.Abs(b - interval) <= 0.05 * b)
        {
            return;
        }

        counters.KeyframeIntervalSeconds = interval;
        if (interval > _options.MaxKeyframeIntervalSeconds && !(before > _options.MaxKeyframeIntervalSeconds))
        {
            _logger.KeyframeIntervalTooLong(Camera.Value, interval, _options.MaxKeyframeIntervalSeconds);
        }
        else
        {
            _logger.KeyframeIntervalMeasured(Camera.Value, interval);
        }

        // The retained status carries the interval: publish it now rather than at the next periodic refresh.
        _registry.PublishStatus(Camera);
    }

    private string AppendStderr(string message, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return message;
        }

        // The last few lines say why; more would make the retained status message unreadable.
        var tail = lines.Count > 3 ? lines.Skip(lines.Count - 3) : lines;
        return message + ": " + RedactText(string.Join(" | ", tail));
    }

    /// <summary>Removes credentials from text that may quote the camera URL (ffmpeg errors usually do).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text with the URL's user information replaced by <c>***</c>.</returns>
    internal string RedactText(string text)
    {
        var redacted = text.Replace(Settings.Url, Settings.RedactedUrl, StringComparison.Ordinal);
        return UserInfoPattern().Replace(redacted, "$1***@");
    }

    // scheme://user[:password]@ anywhere in a line (greedy up to the last @ before the path, as ffmpeg splits it), also when ffmpeg re-quotes the URL in another form.
    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfoPattern();
}
