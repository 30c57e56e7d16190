// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Testing;

namespace PainStream.Core.Tests.Cameras;

public sealed class CameraRegistryTests
{
    private static readonly CameraId Cam = new("bed-7");

    [Fact]
    public void Transitions_PublishOnlyChangesWithReasonAndReconnects()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var publisher = new RecordingPublisher();
        var registry = new CameraRegistry(publisher, time);

        registry.SetOffline(Cam, "connection refused");
        registry.SetOffline(Cam, "connection refused");
        registry.Get(Cam).OnReconnect();
        time.Advance(TimeSpan.FromSeconds(3));
        registry.Get(Cam).OnCaptured();
        registry.SetOnline(Cam);
        registry.SetOnline(Cam);

        var statuses = publisher.Statuses.ToArray();
        Assert.Equal(2, statuses.Length);
        Assert.Equal(CameraState.Offline, statuses[0].State);
        Assert.Equal("connection refused", statuses[0].Error);
        Assert.Equal(CameraState.Online, statuses[1].State);
        Assert.Null(statuses[1].Error);
        Assert.Equal(1, statuses[1].Reconnects);
        Assert.Equal(time.GetUtcNow(), statuses[1].Since);
        Assert.Equal(time.GetUtcNow(), statuses[1].LastFrameAt);
    }

    [Fact]
    public void Remove_KnownCamera_ForgetsItAndAsksThePublisherToClearIt()
    {
        var publisher = new RecordingPublisher();
        var registry = new CameraRegistry(publisher, TimeProvider.System);
        registry.SetOnline(Cam);

        registry.Remove(Cam);
        registry.Remove(Cam);

        Assert.Null(registry.Find(Cam));
        Assert.Empty(registry.Snapshot());
        Assert.Equal([Cam], publisher.Removed);
    }

    [Fact]
    public void Redact_UrlWithCredentials_HidesThem()
    {
        Assert.Equal("rtsp://***@10.0.0.5:554/stream", CameraSettings.Redact("rtsp://admin:s3cret@10.0.0.5:554/stream"));
        Assert.Equal("rtsp://10.0.0.5/a@b", CameraSettings.Redact("rtsp://10.0.0.5/a@b"));
        Assert.Equal("/var/demo.mp4", CameraSettings.Redact("/var/demo.mp4"));
        Assert.Equal("rtsp://***@10.0.0.5/stream", CameraSettings.Redact("rtsp://admin:p@ssw0rd@10.0.0.5/stream"));
        Assert.Equal("rtsp://***@10.0.0.5", CameraSettings.Redact("rtsp://admin:p@ss@10.0.0.5"));
        Assert.Equal("rtsp://", CameraSettings.Redact("rtsp://"));
    }
}
