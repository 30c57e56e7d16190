// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.IO.Pipes;
using BenchmarkDotNet.Attributes;
using PainStream.Capture.FFmpeg;
using PainStream.Core.Frames;

namespace PainStream.Benchmarks;

/// <summary>
/// The capture path through a real OS pipe, as from ffmpeg's stdout (<c>Process.StandardOutput.BaseStream</c> is an
/// anonymous pipe stream on Linux): a writer thread keeps the pipe full of 640x360 BGR frames, the benchmark rents a frame,
/// <see cref="Stream.ReadExactlyAsync(Memory{byte}, CancellationToken)"/>s it from the pipe and disposes it. One operation
/// is one frame.
/// </summary>
/// <remarks>
/// Unlike <see cref="FrameCopyBenchmarks"/>, reads here really wait for the kernel (a 64 KiB pipe holds a tenth of a frame),
/// so this shows what asynchronous completion costs per frame. The writer thread writes synchronously from one array and
/// allocates nothing, so all allocation counted is the reader's.
/// </remarks>
public class PipeFrameCopyBenchmarks
{
    private const int Width = 640;
    private const int Height = 360;
    private static readonly CameraId Camera = new("bench");

    private readonly FramePool _pool = new();
    private AnonymousPipeServerStream _writer = null!;
    private AnonymousPipeClientStream _reader = null!;
    private Thread _writerThread = null!;
    private PipeFrameReader _frames = null!;
    private volatile bool _stop;

    [GlobalSetup]
    public void Setup()
    {
        _writer = new AnonymousPipeServerStream(PipeDirection.Out);
        _reader = new AnonymousPipeClientStream(PipeDirection.In, _writer.ClientSafePipeHandle);
        var frame = new byte[Width * Height * 3];
        new Random(42).NextBytes(frame);
        _writerThread = new Thread(() =>
        {
            try
            {
                while (!_stop)
                {
                    _writer.Write(frame);
                }
            }
            catch (IOException)
            {
                // The reader closed the pipe at cleanup.
            }
        })
        { IsBackground = true, Name = "pipe writer" };
        _writerThread.Start();
        _frames = new PipeFrameReader(_reader, "bench reader");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _frames.Dispose();
        _reader.Dispose();
        _writerThread.Join(TimeSpan.FromSeconds(5));
        _writer.Dispose();
    }

    [Benchmark(Description = "RentReadPipeDispose")]
    public async ValueTask<long> RentReadPipeDisposeAsync()
    {
        using var frame = _pool.Rent(Camera, Width, Height);
        await _reader.ReadExactlyAsync(frame.Memory);
        frame.Stamp(1, default, 0);
        return frame.Sequence;
    }

    /// <summary>
    /// The daemon's capture path since issue 14: the same pipe read with blocking reads on <see cref="PipeFrameReader"/>'s
    /// own thread, awaited through its reusable value-task source (no state machine per chunk, no thread-pool hop).
    /// </summary>
    /// <returns>The frame's sequence number.</returns>
    [Benchmark(Description = "RentReadPipeDispose, PipeFrameReader")]
    public async ValueTask<long> RentReadPipeFrameReaderDisposeAsync()
    {
        using var frame = _pool.Rent(Camera, Width, Height);
        await _frames.ReadExactlyAsync(frame.Memory);
        frame.Stamp(1, default, 0);
        return frame.Sequence;
    }
}
