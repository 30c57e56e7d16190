// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Pipeline;
using PainStream.Testing;

namespace PainStream.Core.Tests.Pipeline;

public sealed class FacesReportStageTests
{
    private static readonly DetectedFace Face = new(new BoxF(1, 2, 3, 4), 0.9f, []);

    [Fact]
    public void Step_SameCountWithinInterval_IsThrottledPerCamera()
    {
        var time = new FakeTimeProvider();
        var publisher = new RecordingPublisher();
        var stage = new FacesReportStage(publisher, TimeSpan.FromSeconds(1), time);

        Assert.True(stage.Step(Observation("a", 1, Face)));
        Assert.True(stage.Step(Observation("b", 1, Face)));
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(stage.Step(Observation("a", 2, Face)));
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(stage.Step(Observation("a", 3, Face)));

        Assert.Equal(["a:1", "b:1", "a:3"], publisher.Faces.Select(f => $"{f.Camera}:{f.Sequence}"));
    }

    [Fact]
    public void Step_FaceCountChanges_PublishesAtOnce()
    {
        var time = new FakeTimeProvider();
        var publisher = new RecordingPublisher();
        var stage = new FacesReportStage(publisher, TimeSpan.FromSeconds(1), time);

        Assert.True(stage.Step(Observation("a", 1)));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(stage.Step(Observation("a", 2, Face)));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(stage.Step(Observation("a", 3)));
        Assert.Equal(3, publisher.Faces.Count);
    }

    private static FaceObservation Observation(string camera, long sequence, params DetectedFace[] faces) =>
        new(new CameraId(camera), sequence, DateTimeOffset.UnixEpoch, 0, 64, 64, faces, TimeSpan.FromMilliseconds(2), "fake");
}
