// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Frames;

namespace PainStream.Core.Tests.Alerting;

public sealed class BedAlertStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void None_HasNothingOpen()
    {
        Assert.False(BedAlertState.None.IsActive);
        Assert.Null(BedAlertState.None.Primary);
        Assert.Empty(BedAlertState.None.Technical);
    }

    [Fact]
    public void Pain_IsPrimary_TechnicalAlarmsSortedByPriorityThenAge()
    {
        var state = BedAlertState.None
            .Apply(Event("a", AlertReason.FaceNotVisible, AlertPriority.Low, T0), 1)
            .Apply(Event("b", AlertReason.CameraOffline, AlertPriority.High, T0.AddMinutes(2)), 2)
            .Apply(Event("c", AlertReason.ScorerFailed, AlertPriority.High, T0.AddMinutes(1)), 3);

        Assert.Equal(["c", "b", "a"], state.Technical.Select(t => t.Event.Id));
        Assert.Equal("c", state.Primary!.Value.Event.Id);

        var withPain = state.Apply(Event("p", AlertReason.Pain, AlertPriority.Low, T0.AddMinutes(3)), 4);
        Assert.Equal(("p", 4L), (withPain.Primary!.Value.Event.Id, withPain.Primary.Value.Sequence));
        Assert.Equal(3, withPain.Technical.Count);
        Assert.Equal("c", state.Primary!.Value.Event.Id); // the old state is unchanged
    }

    [Fact]
    public void End_ClosesOnlyItsEpisode_LastEndGivesNone()
    {
        var pain = Event("p", AlertReason.Pain, AlertPriority.Medium, T0);
        var offline = Event("o", AlertReason.CameraOffline, AlertPriority.High, T0);
        var state = BedAlertState.None.Apply(pain, 1).Apply(offline, 2).Apply(pain with { Type = AlertEventType.Update, Priority = AlertPriority.High }, 3);
        Assert.Equal((AlertPriority.High, 3L), (state.Primary!.Value.Event.Priority, state.Primary.Value.Sequence));

        state = state.Apply(pain with { Type = AlertEventType.End }, 4);
        Assert.Equal("o", state.Primary!.Value.Event.Id);
        state = state.Apply(offline with { Type = AlertEventType.End }, 5);
        Assert.Same(BedAlertState.None, state);
    }

    private static AlertEvent Event(string id, AlertReason reason, AlertPriority priority, DateTimeOffset started) => new()
    {
        Id = id,
        Type = AlertEventType.New,
        Cause = AlertCause.Onset,
        Reason = reason,
        Priority = priority,
        Camera = new CameraId("ward-3"),
        Bed = "left",
        StartedAt = started,
        Ts = started,
    };
}
