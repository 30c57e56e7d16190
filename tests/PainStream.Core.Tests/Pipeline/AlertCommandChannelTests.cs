// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;
using PainStream.Core.Publishing;

namespace PainStream.Core.Tests.Pipeline;

public sealed class AlertCommandChannelTests
{
    [Fact]
    public async Task CommandChannel_ThrowingHandler_FaultsOnlyThatCommand()
    {
        var channel = new AlertCommandChannel(capacity: 2);
        using var stop = new CancellationTokenSource();
        var handler = new Testing.RecordingCommandHandler { Answer = c => c.Bed == "boom" ? throw new InvalidOperationException("boom") : AlertCommandResult.Success };
        var serving = channel.ServeAsync(handler, stop.Token);
        var ct = TestContext.Current.CancellationToken;

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await channel.SendAsync(new AlertCommand(AlertCommandKind.Acknowledge, new CameraId("c"), "boom"), ct));
        Assert.True((await channel.SendAsync(new AlertCommand(AlertCommandKind.Acknowledge, new CameraId("c"), "ok"), ct)).Ok);

        await stop.CancelAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(2, handler.Commands.Count);
    }
}
