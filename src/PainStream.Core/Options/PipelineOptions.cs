// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;

namespace PainStream.Core.Options;

/// <summary>The <c>Pipeline</c> section: channel capacities. Needs a restart.</summary>
public sealed class PipelineOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Pipeline";

    /// <summary>
    /// Gets or sets the capacity of the capture → detect channel. When full, the oldest frame is dropped (and counted),
    /// because a fresh frame is worth more than a stale one. <value>The default value is 8.</value>
    /// </summary>
    [Range(1, 1024)]
    public int CaptureQueueCapacity { get; set; } = 8;

    /// <summary>Gets or sets the capacity of the detect → report channel (writers wait when full). <value>The default value is 64.</value></summary>
    [Range(1, 65536)]
    public int ObservationQueueCapacity { get; set; } = 64;
}
