// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Frames;

/// <summary>
/// One decoded video frame in packed BGR24 or planar I420 (<see cref="Format"/>), backed by a buffer rented from a <see cref="FramePool"/>.
/// </summary>
/// <remarks>
/// A frame has exactly one owner at a time: the capture loop until it is written to the capture channel, then the
/// channel (whose drop callback disposes it), then the stage that read it. The owner must dispose it; disposing
/// returns the buffer to the pool and is idempotent. Reading pixels after disposal throws
/// <see cref="ObjectDisposedException"/>. Not thread-safe: one owner, one thread at a time.
/// </remarks>
public sealed class Frame : IDisposable
{
    private readonly FramePool _pool;
    private byte[]? _buffer;

    internal Frame(FramePool pool, byte[] buffer, CameraId camera, int width, int height, FramePixelFormat format = FramePixelFormat.Bgr24)
    {
        Format = format;
        Length = FramePixelFormats.FrameBytes(format, width, height);
        _pool = pool;
        _buffer = buffer;
        Camera = camera;
        Width = width;
        Height = height;
    }

    /// <summary>Gets the camera this frame came from.</summary>
    public CameraId Camera { get; }

    /// <summary>Gets the frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets the layout of <see cref="Pixels"/> (<c>Capture:PixelFormat</c>).</summary>
    public FramePixelFormat Format { get; }

    /// <summary>Gets the row stride in bytes of a BGR24 frame (<c>Width * 3</c>); for I420 the luma plane's (<c>Width</c>).</summary>
    public int Stride => Format == FramePixelFormat.Bgr24 ? Width * 3 : Width;

    /// <summary>Gets the number of pixel bytes (BGR24: <c>W×H×3</c>; I420: <c>W×H×3/2</c>).</summary>
    public int Length { get; }

    /// <summary>Gets the per-camera sequence number, starting at 1 for each capture session.</summary>
    public long Sequence { get; private set; }

    /// <summary>Gets the wall-clock time at which the frame was read from the decoder.</summary>
    public DateTimeOffset CapturedAt { get; private set; }

    /// <summary>Gets the monotonic <see cref="TimeProvider.GetTimestamp"/> at capture, for latency measurement.</summary>
    public long CaptureTimestamp { get; private set; }

    /// <summary>Gets the pixel bytes in <see cref="Format"/> (BGR24 row-major; or the Y, U and V planes one after the other).</summary>
    /// <exception cref="ObjectDisposedException">The frame was disposed.</exception>
    public Span<byte> Pixels => Buffer.AsSpan(0, Length);

    /// <summary>Gets the pixel bytes as memory, for asynchronous reads into the frame.</summary>
    /// <exception cref="ObjectDisposedException">The frame was disposed.</exception>
    public Memory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>Gets a value indicating whether the frame's buffer has been returned to the pool.</summary>
    public bool IsDisposed => Volatile.Read(ref _buffer) is null;

    private byte[] Buffer
    {
        get
        {
            var buffer = Volatile.Read(ref _buffer);
            ObjectDisposedException.ThrowIf(buffer is null, this);
            return buffer;
        }
    }

    /// <summary>Records when and in which order the frame was captured; called once by the producer.</summary>
    /// <param name="sequence">The per-camera sequence number.</param>
    /// <param name="capturedAt">The wall-clock capture time.</param>
    /// <param name="captureTimestamp">The monotonic capture timestamp.</param>
    public void Stamp(long sequence, DateTimeOffset capturedAt, long captureTimestamp)
    {
        Sequence = sequence;
        CapturedAt = capturedAt;
        CaptureTimestamp = captureTimestamp;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }
}
