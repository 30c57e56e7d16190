// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Publishing;

namespace PainStream.Daemon.Services;

/// <summary>
/// Lets through only the nurse-station commands for cameras this instance owns (issue 16). Every instance subscribes to the
/// same command topics; the one the hash gives the camera to answers, so an unknown camera is also answered exactly once.
/// </summary>
/// <param name="inner">The pipeline's handler.</param>
/// <param name="assignment">The shard assignment in force (hot-reloaded count).</param>
internal sealed class ShardCommandFilter(IAlertCommandHandler inner, Func<ShardAssignment> assignment) : IAlertCommandHandler
{
    /// <inheritdoc/>
    public ValueTask<AlertCommandResult> HandleAsync(AlertCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return assignment().Owns(command.Camera) ? inner.HandleAsync(command, cancellationToken) : ValueTask.FromResult(AlertCommandResult.ForAnotherInstance);
    }
}
