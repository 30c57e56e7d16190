// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using PainStream.Core.Publishing;

namespace PainStream.Testing;

/// <summary>A command handler that records every command and answers with a configurable result (or exception).</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class RecordingCommandHandler : IAlertCommandHandler
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Gets the commands received, in order.</summary>
    public ConcurrentQueue<AlertCommand> Commands { get; } = new();

    /// <summary>Gets or sets how to answer a command; throw from it to simulate a failing handler. <value>The default value answers success.</value></summary>
    public Func<AlertCommand, AlertCommandResult> Answer { get; set; } = _ => AlertCommandResult.Success;

    /// <inheritdoc/>
    public ValueTask<AlertCommandResult> HandleAsync(AlertCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        Commands.Enqueue(command);
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (Commands.Count >= _waiters[i].Count)
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }

        return ValueTask.FromResult(Answer(command));
    }

    /// <summary>Waits until at least <paramref name="count"/> commands arrived.</summary>
    /// <param name="count">The number of commands.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>A task that completes when they have arrived, or faults with <see cref="TimeoutException"/>.</returns>
    public Task WaitForAsync(int count, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (Commands.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(timeout);
    }
}
