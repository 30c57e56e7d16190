// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Options;

namespace PainStream.Hosting.Configuration;

/// <summary>One validated snapshot of the whole configuration. Immutable once built; a reload builds a new one.</summary>
/// <param name="Cameras">The <c>Cameras</c> section.</param>
/// <param name="Capture">The <c>Capture</c> section.</param>
/// <param name="Detection">The <c>Detection</c> section.</param>
/// <param name="Pipeline">The <c>Pipeline</c> section.</param>
/// <param name="Mqtt">The <c>Mqtt</c> section.</param>
/// <param name="Http">The <c>Http</c> section.</param>
/// <param name="Demo">The <c>Demo</c> section.</param>
/// <param name="Alerting">The <c>Alerting</c> section (hot-reloadable).</param>
/// <param name="Scoring">The <c>Scoring</c> section (restart needed).</param>
/// <param name="FaceQuality">The <c>FaceQuality</c> section (hot-reloadable).</param>
internal sealed record PainStreamSettings(
    CamerasOptions Cameras,
    CaptureOptions Capture,
    DetectionOptions Detection,
    PipelineOptions Pipeline,
    MqttOptions Mqtt,
    HttpOptions Http,
    DemoOptions Demo,
    AlertingOptions Alerting,
    ScoringOptions Scoring,
    FaceQualityOptions FaceQuality)
{
    /// <summary>Gets the <c>Shard</c> section (issue 16).</summary>
    public ShardOptions Shard { get; init; } = new();

    /// <summary>Gets the cameras this instance watches, resolved from <see cref="Shard"/> and the host name.</summary>
    public ShardAssignment Assignment { get; init; } = ShardAssignment.OneInstance;
}
