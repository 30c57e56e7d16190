// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Cameras;

/// <summary>
/// Where <see cref="CameraRegistry"/> sends each camera's state: the part of <c>Publishing.IPainStreamPublisher</c> the
/// registry needs, declared here so Cameras does not depend on Publishing.
/// </summary>
public interface ICameraStatusPublisher
{
    /// <summary>Publishes a camera's state (retained, QoS 1).</summary>
    /// <param name="status">The state.</param>
    void PublishCameraStatus(CameraStatus status);

    /// <summary>Forgets a camera removed from the configuration: its retained status is cleared, so dashboards stop showing it.</summary>
    /// <param name="camera">The camera.</param>
    void RemoveCamera(CameraId camera);
}
