// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Threading.Channels;

namespace PainStream.Core.Publishing;

/// <summary>A command on its way to the pipeline, with the place its result goes.</summary>
/// <param name="Command">The command.</param>
/// <param name="Result">Completed by the pipeline with the outcome (or cancelled).</param>
public sealed record PendingAlertCommand(AlertCommand Command, TaskCompletionSource<AlertCommandResult> Result);

/// <summary>
/// The edge from the command receivers (the MQTT side) to the patient stage: a bounded channel (full mode
/// <see cref="BoundedChannelFullMode.Wait"/>, so no command is dropped silently) of commands, each with its own result.
/// The MQTT side sends (<see cref="SendAsync"/>) and the patient stage serves (<see cref="ServeAsync"/>): neither knows the other.
/// </summary>
public sealed class AlertCommandChannel
{
    /// <summary>The default capacity: commands waiting for the patient stage.</summary>
    public const int DefaultCapacity = 64;

    private readonly Channel<PendingAlertCommand> _channel;

    /// <summary>Initializes a new instance of the <see cref="AlertCommandChannel"/> class.</summary>
    /// <param name="capacity">How many commands may wait for the patient stage.</param>
    public AlertCommandChannel(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _channel = Channel.CreateBounded<PendingAlertCommand>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Gets the reading side (the patient stage).</summary>
    public ChannelReader<PendingAlertCommand> Reader => _channel.Reader;

    /// <summary>Sends a command and waits for its result.</summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the wait (for space in the channel, then for the result).</param>
    /// <returns>The result.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<AlertCommandResult> SendAsync(AlertCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var pending = new PendingAlertCommand(command, new TaskCompletionSource<AlertCommandResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _channel.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Serves commands with <paramref name="handler"/>, one at a time in arrival order, until cancelled. A throwing handler
    /// faults only that command's result.
    /// </summary>
    /// <param name="handler">Applies each command.</param>
    /// <param name="cancellationToken">Stops serving; commands still waiting are answered as cancelled.</param>
    /// <returns>A task that completes when serving stops (never faults).</returns>
    public async Task ServeAsync(IAlertCommandHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            await foreach (var pending in _channel.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    pending.Result.TrySetResult(await handler.HandleAsync(pending.Command, cancellationToken));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    pending.Result.TrySetCanceled(cancellationToken);
                    throw;
                }
                catch (Exception ex)
                {
                    // By design: the sender reports it with this command's reply; serving goes on.
                    pending.Result.TrySetException(ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal stop.
        }
    }
}
