// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using PainStream.Core.Diagnostics;

namespace PainStream.Testing;

/// <summary>
/// Records every span of the PainStream <see cref="ActivitySource"/> that stops while it listens (all sampled). Tests run
/// in parallel, so pick your own spans by their tags (<see cref="Stopped"/>).
/// </summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly List<Activity> _stopped = [];
    private readonly ActivityListener _listener;

    /// <summary>Initializes a new instance of the <see cref="ActivityRecorder"/> class and starts listening.</summary>
    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PainStreamActivities.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (_stopped)
                {
                    _stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Gets the stopped spans named <paramref name="operation"/> that match <paramref name="mine"/>.</summary>
    /// <param name="operation">The span name (<see cref="PainStreamActivities"/>).</param>
    /// <param name="mine">Picks this test's spans.</param>
    /// <returns>A snapshot, in stop order.</returns>
    public List<Activity> Stopped(string operation, Func<Activity, bool> mine)
    {
        lock (_stopped)
        {
            return [.. _stopped.Where(a => a.OperationName == operation && mine(a))];
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();
}
