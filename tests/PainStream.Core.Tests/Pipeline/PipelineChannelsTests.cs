// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Testing;

namespace PainStream.Core.Tests.Pipeline;

public sealed class PipelineChannelsTests
{
    private static readonly CameraId CamA = new("cam-a");
    private static readonly CameraId CamB = new("cam-b");

    [Fact]
    public void FrameWriter_WhenFull_DropsOldestDisposesItAndCountsPerCamera()
    {
        var pool = new FramePool();
        var registry = new CameraRegistry(new RecordingPublisher(), TimeProvider.System);
        var channels = new PipelineChannels(new PipelineOptions { CaptureQueueCapacity = 2 }, registry);
        registry.Get(CamA);
        registry.Get(CamB);
        var frames = new List<Frame>();
        for (var i = 0; i < 5; i++)
        {
            var frame = pool.Rent(i % 2 == 0 ? CamA : CamB, 4, 2);
            frame.Stamp(i, DateTimeOffset.UnixEpoch, 0);
            frames.Add(frame);
            Assert.True(channels.FrameWriter.TryWrite(frame));
        }

        // 5 written into capacity 2: the 3 oldest (A0, B1, A2) were evicted and disposed.
        Assert.True(frames[0].IsDisposed);
        Assert.True(frames[1].IsDisposed);
        Assert.True(frames[2].IsDisposed);
        Assert.False(frames[3].IsDisposed);
        Assert.False(frames[4].IsDisposed);
        Assert.Equal(2, registry.Get(CamA).Dropped);
        Assert.Equal(1, registry.Get(CamB).Dropped);
        Assert.Equal(2, pool.Outstanding);

        Assert.True(channels.FrameReader.TryRead(out var first));
        Assert.Equal(3, first.Sequence);
        first.Dispose();
        Assert.Equal(1, channels.DrainAndDispose());
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task ObservationWriter_WhenFull_WaitsInsteadOfDropping()
    {
        var registry = new CameraRegistry(new RecordingPublisher(), TimeProvider.System);
        var channels = new PipelineChannels(new PipelineOptions { ObservationQueueCapacity = 1 }, registry);
        var observation = new Core.Detection.FaceObservation(CamA, 1, DateTimeOffset.UnixEpoch, 0, 4, 2, [], TimeSpan.Zero, "fake");
        Assert.True(channels.ObservationWriter.TryWrite(observation));

        Assert.False(channels.ObservationWriter.TryWrite(observation with { Sequence = 2 }));
        var pending = channels.ObservationWriter.WriteAsync(observation with { Sequence = 3 }, TestContext.Current.CancellationToken).AsTask();
        Assert.False(pending.IsCompleted);

        Assert.True(channels.ObservationReader.TryRead(out var read));
        Assert.Equal(1, read.Sequence);
        await pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(channels.ObservationReader.TryRead(out var next));
        Assert.Equal(3, next.Sequence);
    }
}
