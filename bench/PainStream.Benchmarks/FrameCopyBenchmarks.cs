// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Core.Frames;

namespace PainStream.Benchmarks;

/// <summary>
/// The capture path per frame: rent a pooled BGR frame, fill it from the decoder's byte stream with
/// <see cref="Stream.ReadExactlyAsync(Memory{byte}, CancellationToken)"/>, hand it on and dispose it.
/// </summary>
/// <remarks>
/// The stream is in memory so the figure is the managed cost alone (rent + copy + return); the kernel pipe copy from
/// ffmpeg is measured by the load tool. One operation is one frame.
/// </remarks>
public class FrameCopyBenchmarks
{
    private static readonly CameraId Camera = new("bench");
    private readonly FramePool _pool = new();
    private MemoryStream _source = null!;
    private byte[] _bytes = [];
    private byte[] _destination = [];
    private int _offset;
    private int _width;
    private int _height;

    [Params("640x360", "1920x1080")]
    public string Size { get; set; } = "640x360";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Size.Split('x');
        _width = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        _height = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);

        // Two frames of noise, so the copy reads real bytes and the stream can be rewound between operations.
        _bytes = new byte[_width * _height * 3 * 2];
        new Random(42).NextBytes(_bytes);
        _source = new MemoryStream(_bytes, writable: false);
        _destination = new byte[_width * _height * 3];
    }

    [GlobalCleanup]
    public void Cleanup() => _source.Dispose();

    [Benchmark(Description = "RentFillDispose")]
    public async ValueTask<long> RentFillDisposeAsync()
    {
        if (_source.Position == _source.Length)
        {
            _source.Position = 0;
        }

        using var frame = _pool.Rent(Camera, _width, _height);
        await _source.ReadExactlyAsync(frame.Memory);
        frame.Stamp(1, default, 0);
        return frame.Sequence;
    }

    /// <summary>The same copy into a preallocated array, without the pool or the stream: the floor for the pooled path.</summary>
    [Benchmark(Baseline = true, Description = "CopyOnly")]
    public int CopyOnly()
    {
        var length = _destination.Length;
        _bytes.AsSpan(_offset, length).CopyTo(_destination);
        _offset = _offset == 0 ? length : 0;
        return length;
    }
}
