// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.IO.Pipes;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>
/// The capture loop's frame reader on a real OS pipe (a 64 KiB kernel buffer, as ffmpeg's stdout): whole frames in order
/// whatever the writer's chunking, end of stream as <see cref="EndOfStreamException"/>, and the awaiting code continued on
/// the reader's own thread (no thread-pool hop per frame).
/// </summary>
public sealed class PipeFrameReaderTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ReadExactlyAsync_WriterChunksOddly_DeliversEveryFrameWhole()
    {
        const int frameBytes = 640 * 360 * 3;
        const int frames = 6;
        var source = new byte[frameBytes * frames];
        new Random(7).NextBytes(source);
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var writer = Task.Run(() =>
        {
            // Chunks that straddle frame boundaries, larger and smaller than the pipe's buffer.
            var sizes = new[] { 1, 70_000, 333, 1_000_000, 4096, 123_457 };
            var at = 0;
            for (var i = 0; at < source.Length; i++)
            {
                var n = Math.Min(sizes[i % sizes.Length], source.Length - at);
                server.Write(source, at, n);
                at += n;
            }
        }, TestContext.Current.CancellationToken);
        using var reader = new PipeFrameReader(client, "test reader");

        var frame = new byte[frameBytes];
        for (var i = 0; i < frames; i++)
        {
            Array.Clear(frame);
            await reader.ReadExactlyAsync(frame).AsTask().WaitAsync(Wait, TestContext.Current.CancellationToken);
            Assert.True(frame.AsSpan().SequenceEqual(source.AsSpan(i * frameBytes, frameBytes)), $"frame {i} differs from what was written");
        }

        await writer.WaitAsync(Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ReadExactlyAsync_PipeClosedMidFrame_FailsWithEndOfStream()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        using var reader = new PipeFrameReader(client, "test reader");

        var read = reader.ReadExactlyAsync(new byte[1000]).AsTask();
        await server.WriteAsync(new byte[400], TestContext.Current.CancellationToken);
        await server.DisposeAsync();

        await Assert.ThrowsAsync<EndOfStreamException>(() => read.WaitAsync(Wait, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReadExactlyAsync_Completes_ContinuationRunsOnTheReaderThreadOrInline()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        using var reader = new PipeFrameReader(client, "test reader");

        var names = new List<string?>();
        var loop = Task.Run(async () =>
        {
            var buffer = new byte[10];
            for (var i = 0; i < 3; i++)
            {
                // A read the reader thread finished before the await looked completes inline on the caller, which is
                // no hop either; what must never happen is a continuation posted to another (thread-pool) thread.
                var before = Environment.CurrentManagedThreadId;
                await reader.ReadExactlyAsync(buffer).ConfigureAwait(false);
                names.Add(Environment.CurrentManagedThreadId == before ? "inline" : Thread.CurrentThread.Name);
            }
        }, TestContext.Current.CancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await server.WriteAsync(new byte[10], TestContext.Current.CancellationToken);
            await server.FlushAsync(TestContext.Current.CancellationToken);
        }

        await loop.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(3, names.Count);
        Assert.All(names, name => Assert.Contains(name, new[] { "test reader", "inline" }));
    }

    [Fact]
    public async Task ReadExactlyAsync_AfterDispose_Throws()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var reader = new PipeFrameReader(client, "test reader");
        reader.Dispose();
        reader.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await reader.ReadExactlyAsync(new byte[10]));
    }
}
