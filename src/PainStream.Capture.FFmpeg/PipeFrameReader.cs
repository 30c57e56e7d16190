// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Threading.Tasks.Sources;

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// Reads whole frames from ffmpeg's stdout with blocking reads on a dedicated thread, awaited without allocating.
/// </summary>
/// <remarks>
/// <para>
/// Why (issue 14, item 3): an asynchronous <c>ReadExactlyAsync</c> on a Unix pipe costs, per 640×360 frame, about 11 pipe-sized
/// chunks, each an epoll wake-up, one or two <c>read</c> calls, a thread-pool work item and a state-machine box (≈ 1 KB per
/// frame in all). A thread blocked in <c>read</c> wakes only when ffmpeg writes, allocates nothing, and completes the awaiting
/// capture loop inline (<see cref="ManualResetValueTaskSourceCore{TResult}.RunContinuationsAsynchronously"/> is false): the
/// loop's per-frame work (stamp, watchdog, channel write) runs on this thread and asks for the next frame, with no thread-pool
/// hop in between. One such thread per camera session; it sleeps in the kernel between frames.
/// </para>
/// <para>
/// One outstanding read at a time, by the one session that owns the stream. A read is not cancellable by token: the session
/// kills ffmpeg on cancellation (and on a stall), which ends the read with end-of-stream, so the frame buffer is never
/// written after the caller stopped waiting for it. <see cref="Dispose"/> lets the thread end once it is idle; the thread is
/// a background thread, so one blocked on a pipe nobody will close cannot keep the process alive.
/// </para>
/// </remarks>
internal sealed class PipeFrameReader : IValueTaskSource, IDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _requests = new(0);
    private ManualResetValueTaskSourceCore<bool> _core;
    private Memory<byte> _buffer;
    private volatile bool _stopped;

    /// <summary>Initializes a new instance of the <see cref="PipeFrameReader"/> class and starts its thread.</summary>
    /// <param name="stream">The pipe; only this reader reads it, synchronously (its descriptor stays blocking).</param>
    /// <param name="threadName">The thread's name (shown by <c>top -H</c> and the load tool, 15 characters at most).</param>
    public PipeFrameReader(Stream stream, string threadName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        var thread = new Thread(Run) { IsBackground = true, Name = threadName };
        thread.UnsafeStart();
    }

    /// <summary>Fills <paramref name="buffer"/> from the pipe.</summary>
    /// <param name="buffer">The frame's pixels; not touched after the returned task completes.</param>
    /// <returns>A task that completes when the buffer is full, or fails with <see cref="EndOfStreamException"/> or <see cref="IOException"/>.</returns>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public ValueTask ReadExactlyAsync(Memory<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        _core.Reset();
        _buffer = buffer;
        _requests.Release();
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Stops the thread once its current read (if any) has ended. Idempotent.</summary>
    public void Dispose()
    {
        if (!_stopped)
        {
            _stopped = true;
            _requests.Release();
        }
    }

    /// <inheritdoc/>
    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    /// <inheritdoc/>
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Run()
    {
        while (true)
        {
            _requests.Wait();
            if (_stopped)
            {
                _requests.Dispose();
                return;
            }

            Exception? failure = null;
            try
            {
                _stream.ReadExactly(_buffer.Span);
            }
            catch (Exception ex)
            {
                // By design: whatever ended the read (end of stream after a kill, a closed handle) is the caller's to judge.
                failure = ex;
            }

            _buffer = default;
            if (failure is null)
            {
                _core.SetResult(true);
            }
            else
            {
                _core.SetException(failure);
            }
        }
    }
}
