// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// The per-session frame-age watchdog: declares a stall when no frame arrived for the timeout, measured on the monotonic
/// clock from the last frame, and does not blame the camera for the daemon's own pauses.
/// </summary>
/// <remarks>
/// <para>
/// A one-shot timer on the injected clock is pushed back by every <see cref="Feed"/>. When it fires it first compares its
/// own wake-up time with the deadline: a timer that wakes more than the pause tolerance late means that the daemon itself
/// did not run (a frozen or SIGSTOPped process, a long GC, a starved thread pool), during which frames may be waiting
/// unread in ffmpeg's pipe. Such a deadline is not a stall: the camera gets a fresh timeout from the moment the daemon runs
/// again (at most <see cref="MaxForgiven"/> times in a row without a frame, so a stall is always reported in the end).
/// Otherwise the stall is declared on time: <see cref="Token"/> is cancelled, then the callback runs once.
/// </para>
/// <para>Thread-safe: <see cref="Feed"/> runs on the session's reader, the timer on the thread pool.</para>
/// </remarks>
internal sealed class StallWatchdog : IDisposable
{
    /// <summary>How many late deadlines in a row are put down to the daemon before a stall is declared anyway.</summary>
    internal const int MaxForgiven = 3;

    private readonly TimeProvider _time;
    private readonly TimeSpan _pauseTolerance;
    private readonly Action<TimeSpan>? _onStall;
    private readonly Action<TimeSpan>? _onPause;
    private readonly CancellationTokenSource _stalled = new();
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private TimeSpan _timeout;
    private long _lastFrame;
    private long _due;
    private int _forgiven;
    private bool _fired;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="StallWatchdog"/> class and arms it.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="firstTimeout">How long the first frame may take.</param>
    /// <param name="pauseTolerance">How late the timer may wake before the lateness is put down to the daemon.</param>
    /// <param name="onStall">Runs once, on the timer's thread, when the stall is declared, with the silence so far.</param>
    /// <param name="onPause">Runs when a late wake-up was forgiven, with the lateness.</param>
    public StallWatchdog(TimeProvider time, TimeSpan firstTimeout, TimeSpan pauseTolerance, Action<TimeSpan>? onStall = null, Action<TimeSpan>? onPause = null)
    {
        _time = time;
        _pauseTolerance = pauseTolerance;
        _onStall = onStall;
        _onPause = onPause;
        _timer = time.CreateTimer(static s => ((StallWatchdog)s!).OnTimer(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            _lastFrame = time.GetTimestamp();
            _timeout = firstTimeout;
            ArmLocked(_lastFrame, firstTimeout);
        }
    }

    /// <summary>Gets a token cancelled when the stall is declared.</summary>
    public CancellationToken Token => _stalled.Token;

    /// <summary>Gets a value indicating whether a stall was declared.</summary>
    public bool Stalled
    {
        get
        {
            lock (_gate)
            {
                return _fired;
            }
        }
    }

    /// <summary>Gets the timeout in force (the first-frame timeout until the first <see cref="Feed"/>).</summary>
    public TimeSpan Timeout
    {
        get
        {
            lock (_gate)
            {
                return _timeout;
            }
        }
    }

    /// <summary>Gets how many late wake-ups were put down to the daemon's own pauses.</summary>
    public int PausesForgiven { get; private set; }

    /// <summary>A frame arrived: the next one is due within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The stall timeout from now on.</param>
    public void Feed(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_fired || _disposed)
            {
                return;
            }

            _lastFrame = _time.GetTimestamp();
            _timeout = timeout;
            _forgiven = 0;
            ArmLocked(_lastFrame, timeout);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _timer.Dispose();
        _stalled.Dispose();
    }

    /// <summary>The timer's step (internal so tests can drive it).</summary>
    internal void OnTimer()
    {
        TimeSpan silence;
        TimeSpan late;
        lock (_gate)
        {
            if (_fired || _disposed)
            {
                return;
            }

            var now = _time.GetTimestamp();
            silence = _time.GetElapsedTime(_lastFrame, now);
            late = now >= _due ? _time.GetElapsedTime(_due, now) : TimeSpan.Zero;
            if (silence < _timeout)
            {
                // A frame was fed between the timer being queued and running: wait for the new deadline.
                ArmLocked(_lastFrame, _timeout);
                return;
            }

            if (late > _pauseTolerance && _forgiven < MaxForgiven)
            {
                // The daemon was not running at the deadline: give the camera a fresh timeout from now.
                _forgiven++;
                PausesForgiven++;
                ArmLocked(now, _timeout);
            }
            else
            {
                _fired = true;
            }
        }

        if (!_fired)
        {
            _onPause?.Invoke(late);
            return;
        }

        // Cancel first: its callbacks kill ffmpeg, so the process is already going when the stall is reported.
        _stalled.Cancel();
        _onStall?.Invoke(silence);
    }

    private void ArmLocked(long from, TimeSpan timeout)
    {
        _due = from + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        var wait = _time.GetElapsedTime(_time.GetTimestamp(), _due);
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, System.Threading.Timeout.InfiniteTimeSpan);
    }
}
