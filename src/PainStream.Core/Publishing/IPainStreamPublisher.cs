// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Detection;

namespace PainStream.Core.Publishing;

/// <summary>Where the pipeline sends what the nurse station and dashboards see.</summary>
/// <remarks>
/// Thread-safe and non-blocking: every method only enqueues. The MQTT adapter (the single owner of the broker connection)
/// serialises and sends; while the broker is away, retained state is kept and re-sent on reconnect, and best-effort
/// telemetry (faces, stats) is counted and dropped.
/// <para>Camera states (<see cref="ICameraStatusPublisher"/>) are declared with the cameras.</para>
/// </remarks>
public interface IPainStreamPublisher : ICameraStatusPublisher
{
    /// <summary>Publishes the faces found in one frame (QoS 0, throttled by the caller to about 1 Hz per camera).</summary>
    /// <param name="observation">The detection result.</param>
    void PublishFaces(FaceObservation observation);

    /// <summary>Publishes the periodic statistics (QoS 0).</summary>
    /// <param name="stats">The figures.</param>
    void PublishStats(PainStreamStats stats);
}
