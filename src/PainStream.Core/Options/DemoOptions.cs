// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;

namespace PainStream.Core.Options;

/// <summary>The <c>Demo</c> section: what plays as camera <c>demo</c> when no camera is configured.</summary>
public sealed class DemoOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Demo";

    /// <summary>The camera name the demo clip plays under.</summary>
    public const string CameraName = "demo";

    /// <summary>Gets or sets a value indicating whether the demo clip plays when <c>Cameras</c> is empty. <value>The default value is <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the demo clip (absolute, or relative to the content root), made by <c>scripts/setup</c>. <value>The default value is <c>data/demo/demo.mp4</c>.</value></summary>
    [Required]
    public string ClipPath { get; set; } = "data/demo/demo.mp4";
}
