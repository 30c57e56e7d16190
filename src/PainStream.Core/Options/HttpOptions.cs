// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

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

    /// <summary>
    /// Gets or sets a value indicating whether the nurse-station dashboard (the static app in <see cref="WebRoot"/>) is served
    /// at <c>/</c>, and, with the embedded broker, MQTT over WebSocket at <c>/mqtt</c>. Default on.
    /// </summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Gets or sets the folder of the dashboard's static files, relative to the daemon's home. Default <c>web</c>.</summary>
    [Required]
    public string WebRoot { get; set; } = "web";

    /// <summary>
    /// Gets or sets the MQTT-over-WebSocket address the dashboard connects to when an external broker is configured
    /// (e.g. <c>wss://ward.example/mqtt</c>); empty: the embedded broker's <c>/mqtt</c> on this endpoint.
    /// </summary>
    [RegularExpression("^(wss?://.+)?$")]
    public string DashboardBrokerUrl { get; set; } = string.Empty;

    /// <summary>Gets or sets the score history store (served read-only at <c>/api/history</c>).</summary>
    [ValidateObjectMembers]
    public HistoryOptions History { get; set; } = new();
}

/// <summary>The <c>Http:History</c> section: every bed's scored samples and alert events, kept for the tuning tools.</summary>
public sealed class HistoryOptions
{
    /// <summary>Gets or sets a value indicating whether the history is kept. Default on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the SQLite file, relative to the daemon's home. Default <c>data/state/history.db</c>.</summary>
    [Required]
    public string Path { get; set; } = "data/state/history.db";

    /// <summary>Gets or sets how long samples and events are kept, in hours (1 h to 90 days). Default 72.</summary>
    [Range(1.0, 2160.0)]
    public double RetentionHours { get; set; } = 72;

    /// <summary>
    /// Gets or sets the most samples kept over all beds; the oldest go first beyond it (10 000 to 500 000 000). Default
    /// 50 000 000 (72 h of about 32 beds at 5 frames a second; about 2.8 GB).
    /// </summary>
    [Range(10_000, 500_000_000)]
    public long MaxSamples { get; set; } = 50_000_000;
}
