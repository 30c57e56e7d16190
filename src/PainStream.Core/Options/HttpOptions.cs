// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;

namespace PainStream.Core.Options;

/// <summary>The <c>Http</c> section: health and metrics endpoint. Needs a restart.</summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Http";

    /// <summary>Gets or sets a value indicating whether <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> are served. <value>The default value is <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the listen URL; keep it on loopback. <value>The default value is <c>http://127.0.0.1:9464</c>.</value></summary>
    [Required]
    [RegularExpression("^http://[^/]+:[0-9]{1,5}/?$")]
    public string Url { get; set; } = "http://127.0.0.1:9464";
}
