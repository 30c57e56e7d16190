// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using PainStream.Core.Frames;

namespace PainStream.Core.Cameras;

/// <summary>
/// The live state and counters of every camera: written by capture and the pipeline stages, read by the health endpoint,
/// the metrics, the stats message and the status publisher.
/// </summary>
/// <remarks>Thread-safe. Counters are lock-free; state transitions take a per-camera lock so status messages stay ordered.</remarks>
public sealed class CameraRegistry
{
    private readonly ConcurrentDictionary<CameraId, CameraCounters> _cameras = new();
    private readonly ICameraStatusPublisher _publisher;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="CameraRegistry"/> class.</summary>
    /// <param name="publisher">Where status changes are published.</param>
    /// <param name="time">The clock.</param>
    public CameraRegistry(ICameraStatusPublisher publisher, TimeProvider time)
    {
        _publisher = publisher;
        _time = time;
    }

    /// <summary>Gets the cameras known to the registry.</summary>
    public ICollection<CameraId> Cameras => _cameras.Keys;

    /// <summary>Gets (creating when needed) the counters of <paramref name="camera"/>.</summary>
    /// <param name="camera">The camera.</param>
    /// <returns>The camera's counters.</returns>
    public CameraCounters Get(CameraId camera) => _cameras.GetOrAdd(camera, static (c, t) => new CameraCounters(c, t), _time);

    /// <summary>Gets the counters of <paramref name="camera"/> without creating them (for stages that may still see a frame of a camera just removed).</summary>
    /// <param name="camera">The camera.</param>
    /// <returns>The counters, or <see langword="null"/> when the camera is not (or no longer) known.</returns>
    public CameraCounters? Find(CameraId camera) => _cameras.GetValueOrDefault(camera);

    /// <summary>Takes a snapshot of every camera.</summary>
    /// <returns>One status per camera, ordered by name.</returns>
    public IReadOnlyList<CameraStatus> Snapshot()
    {
        var list = new List<CameraStatus>(_cameras.Count);
        foreach (var counters in _cameras.Values)
        {
            list.Add(counters.ToStatus());
        }

        list.Sort(static (a, b) => string.CompareOrdinal(a.Camera.Value, b.Camera.Value));
        return list;
    }

    /// <summary>Marks <paramref name="camera"/> online (first frame of a capture session) and publishes the change.</summary>
    /// <param name="camera">The camera.</param>
    public void SetOnline(CameraId camera) => Transition(camera, CameraState.Online, error: null, outage: false);

    /// <summary>Marks <paramref name="camera"/> offline with the reason and publishes the change.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="error">Why, without credentials.</param>
    public void SetOffline(CameraId camera, string error) => Transition(camera, CameraState.Offline, error, outage: true);

    /// <summary>
    /// Marks <paramref name="camera"/> offline because PainStream itself stopped watching it (shutdown), and publishes the
    /// change: unlike <see cref="SetOffline"/> this is not an outage, so it raises no camera-offline alarm.
    /// </summary>
    /// <param name="camera">The camera.</param>
    /// <param name="error">The status text (e.g. <c>PainStream stopped</c>).</param>
    public void SetStopped(CameraId camera, string error) => Transition(camera, CameraState.Offline, error, outage: false);

    /// <summary>Marks <paramref name="camera"/> disabled and publishes the change.</summary>
    /// <param name="camera">The camera.</param>
    public void SetDisabled(CameraId camera) => Transition(camera, CameraState.Disabled, error: null, outage: false);

    /// <summary>Forgets a camera that was removed from the configuration and clears its published status.</summary>
    /// <param name="camera">The camera.</param>
    public void Remove(CameraId camera)
    {
        if (_cameras.TryRemove(camera, out var counters))
        {
            lock (counters.Gate)
            {
                counters.Removed = true;
                _publisher.RemoveCamera(camera);
            }
        }
    }

    /// <summary>Publishes <paramref name="camera"/>'s status again (a measured figure such as its keyframe interval changed).</summary>
    /// <param name="camera">The camera.</param>
    public void PublishStatus(CameraId camera)
    {
        if (Find(camera) is not { } counters)
        {
            return;
        }

        lock (counters.Gate)
        {
            if (!counters.Removed)
            {
                _publisher.PublishCameraStatus(counters.ToStatus());
            }
        }
    }

    /// <summary>Publishes every camera's status again (after a broker reconnect, and periodically for the fps figure).</summary>
    public void PublishAll()
    {
        foreach (var counters in _cameras.Values)
        {
            // Under the camera's lock, so a transition cannot slip in between the snapshot and its publication.
            lock (counters.Gate)
            {
                if (!counters.Removed)
                {
                    _publisher.PublishCameraStatus(counters.ToStatus());
                }
            }
        }
    }

    private void Transition(CameraId camera, CameraState state, string? error, bool outage)
    {
        var counters = Get(camera);

        // Published while holding the camera's lock (the publisher only enqueues), so statuses reach the broker in the
        // order of the transitions, and nothing is published for a camera after its removal.
        lock (counters.Gate)
        {
            if (!counters.Removed)
            {
                counters.OutageReported = outage;
            }

            var changed = counters.State != state || !string.Equals(counters.Error, error, StringComparison.Ordinal);
            if (!changed || counters.Removed)
            {
                return;
            }

            if (counters.State != state)
            {
                counters.Since = _time.GetUtcNow();
            }

            counters.State = state;
            counters.Error = error;
            _publisher.PublishCameraStatus(counters.ToStatus());
        }
    }
}
