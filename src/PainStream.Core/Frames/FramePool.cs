// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers;

namespace PainStream.Core.Frames;

/// <summary>
/// Rents pixel buffers for <see cref="Frame"/>s and counts the ones not yet returned, so tests can prove that no frame
/// leaks and production can export the count as a gauge.
/// </summary>
/// <remarks>Thread-safe: capture loops rent and any stage returns concurrently.</remarks>
public sealed class FramePool
{
    // Enough for a 4K BGR frame; the default analysis size is 640x360 (691,200 bytes).
    private const int MaxFrameBytes = 3840 * 2160 * 3;

    private readonly ArrayPool<byte> _arrays = ArrayPool<byte>.Create(MaxFrameBytes, maxArraysPerBucket: 64);
    private long _outstanding;
    private long _rented;

    /// <summary>Gets the number of frames rented and not yet disposed.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Gets the number of frames rented since the pool was created.</summary>
    public long Rented => Interlocked.Read(ref _rented);

    /// <summary>Rents a frame for <paramref name="camera"/> with room for <paramref name="width"/> x <paramref name="height"/> pixels in <paramref name="format"/>.</summary>
    /// <param name="camera">The camera the frame will belong to.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="format">The pixel layout (<c>Capture:PixelFormat</c>); I420 needs an even width and height.</param>
    /// <returns>A frame the caller owns and must dispose.</returns>
    public Frame Rent(CameraId camera, int width, int height, FramePixelFormat format = FramePixelFormat.Bgr24)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (format == FramePixelFormat.I420 && (width % 2 != 0 || height % 2 != 0))
        {
            throw new ArgumentException($"An I420 frame needs an even width and height (got {width}x{height}).", nameof(width));
        }

        var length = FramePixelFormats.FrameBytes(format, width, height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxFrameBytes, nameof(width));
        var buffer = _arrays.Rent(length);
        Interlocked.Increment(ref _outstanding);
        Interlocked.Increment(ref _rented);
        return new Frame(this, buffer, camera, width, height, format);
    }

    internal void Return(byte[] buffer)
    {
        _arrays.Return(buffer);
        Interlocked.Decrement(ref _outstanding);
    }
}
