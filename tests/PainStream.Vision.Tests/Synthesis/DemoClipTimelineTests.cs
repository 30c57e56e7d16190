// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Tools.Synthesis;

namespace PainStream.Vision.Tests.Synthesis;

public sealed class DemoClipTimelineTests
{
    /// <summary>A symmetric clip (the trailing neutral as long as the leading one): 20 s, 2 s ramps, 25 s of grimace.</summary>
    private static readonly DemoClipOptions Symmetric = new() { NeutralSeconds = 20, RampSeconds = 2, GrimaceSeconds = 25, TrailingNeutralSeconds = null };

    [Fact]
    public void Constructor_Defaults_Neutral12Ramp1Grimace18Trailing20At10Fps()
    {
        var timeline = new DemoClipTimeline(new DemoClipOptions());

        Assert.Equal((120, 10, 180, 200), (timeline.NeutralFrames, timeline.RampFrames, timeline.HoldFrames, timeline.TrailingNeutralFrames));
        Assert.Equal(TimeSpan.FromSeconds(52), timeline.Duration);
        Assert.Equal(DemoClipPhase.NeutralBefore, timeline.PhaseAt(119));
        Assert.Equal(DemoClipPhase.RampUp, timeline.PhaseAt(120));
        Assert.Equal(DemoClipPhase.Hold, timeline.PhaseAt(130));
        Assert.Equal(DemoClipPhase.RampDown, timeline.PhaseAt(310));
        Assert.Equal(DemoClipPhase.NeutralAfter, timeline.PhaseAt(320));
        Assert.Equal(DemoClipPhase.NeutralAfter, timeline.PhaseAt(519));
    }

    [Fact]
    public void Constructor_SymmetricClip_Makes69SecondsAt10Fps()
    {
        var timeline = new DemoClipTimeline(Symmetric);

        Assert.Equal(690, timeline.FrameCount);
        Assert.Equal((200, 20, 250), (timeline.NeutralFrames, timeline.RampFrames, timeline.HoldFrames));
        Assert.Equal(TimeSpan.FromSeconds(69), timeline.Duration);
        Assert.Equal(DemoClipPhase.NeutralBefore, timeline.PhaseAt(199));
        Assert.Equal(DemoClipPhase.RampUp, timeline.PhaseAt(200));
        Assert.Equal(DemoClipPhase.Hold, timeline.PhaseAt(220));
        Assert.Equal(DemoClipPhase.RampDown, timeline.PhaseAt(470));
        Assert.Equal(DemoClipPhase.NeutralAfter, timeline.PhaseAt(490));
        Assert.Equal(DemoClipPhase.NeutralAfter, timeline.PhaseAt(689));
    }

    [Fact]
    public void ShapeAt_SymmetricClip_NeutralThenRampsToTheFullGrimaceWithTheEyesShutMidHold()
    {
        var timeline = new DemoClipTimeline(Symmetric);

        Assert.Equal(GrimaceShape.Neutral, timeline.ShapeAt(0));
        Assert.Equal(GrimaceShape.Neutral, timeline.ShapeAt(199));
        Assert.Equal(GrimaceShape.FullGrimace, timeline.ShapeAt(219));
        Assert.Equal(GrimaceShape.FullGrimace, timeline.ShapeAt(220));
        Assert.Equal(GrimaceShape.FullGrimace with { EyeClose = 1 }, timeline.ShapeAt(220 + 150));
        Assert.Equal(GrimaceShape.FullGrimace, timeline.ShapeAt(220 + 200));
        Assert.Equal(GrimaceShape.Neutral, timeline.ShapeAt(489));
        Assert.Equal(GrimaceShape.Neutral, timeline.ShapeAt(689));

        // Ramps rise (and fall) monotonically; the eyes close over 5 frames and open over 5.
        for (var i = 201; i < 220; i++)
        {
            Assert.True(timeline.ShapeAt(i).BrowLower > timeline.ShapeAt(i - 1).BrowLower);
        }

        for (var i = 471; i < 490; i++)
        {
            Assert.True(timeline.ShapeAt(i).LipRaise < timeline.ShapeAt(i - 1).LipRaise);
        }

        var closing = Enumerable.Range(319, 6).Select(i => timeline.ShapeAt(i).EyeClose).ToArray();
        Assert.Equal(0f, closing[0]);
        Assert.True(closing[1] > 0 && closing[1] < closing[2] && closing[4] < 1);
        Assert.Equal(1f, closing[5]);
    }

    [Fact]
    public void Constructor_ShortDurations_RoundToWholeFrames()
    {
        var timeline = new DemoClipTimeline(new DemoClipOptions { Fps = 5, NeutralSeconds = 1, RampSeconds = 0.5, GrimaceSeconds = 2, TrailingNeutralSeconds = null });

        Assert.Equal(5 + 3 + 10 + 3 + 5, timeline.FrameCount);
        Assert.Equal(GrimaceShape.FullGrimace, timeline.ShapeAt(7));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingEachProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DemoClipTimeline(new DemoClipOptions { Fps = 0, GrimaceSeconds = 0, Width = 641 }));

        Assert.Contains("frame rate", ex.Message, StringComparison.Ordinal);
        Assert.Contains("grimace time", ex.Message, StringComparison.Ordinal);
        Assert.Contains("641x360", ex.Message, StringComparison.Ordinal);
    }
}
