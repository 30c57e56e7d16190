// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PainStream.Core.Options;

/// <summary>
/// The <c>Shard</c> section: which share of the configured cameras this instance watches when several instances run behind
/// one broker (issue 16). <c>Count</c> is hot-reloadable; <c>Index</c> and <c>Instance</c> need a restart.
/// </summary>
public sealed class ShardOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Shard";

    /// <summary>The pattern of an instance name (one MQTT topic level).</summary>
    public const string InstancePattern = "^[a-z0-9_-]{1,63}$";

    /// <summary>Gets or sets how many instances share the cameras; 1 watches every camera. <value>The default value is 1.</value></summary>
    [Range(1, 1000)]
    public int Count { get; set; } = 1;

    /// <summary>
    /// Gets or sets this instance's shard, 0 to <c>Count</c>−1; when not set and <c>Count</c> is above 1 it is read from a
    /// Kubernetes StatefulSet pod's host name (<c>name-N</c>). An index at or above <c>Count</c> watches nothing (scale-down).
    /// <value>The default value is <see langword="null"/>.</value>
    /// </summary>
    [Range(0, 999)]
    public int? Index { get; set; }

    /// <summary>
    /// Gets or sets this instance's name in MQTT (client id suffix, availability topic, camera status); when empty and
    /// sharded it is the pod's host name, or <c>shard-N</c>. <value>The default value is empty.</value>
    /// </summary>
    [RegularExpression("^([a-z0-9_-]{1,63})?$", ErrorMessage = "The {0} field must be empty or 1-63 characters of a-z, 0-9, '_' and '-'.")]
    public string Instance { get; set; } = string.Empty;
}

/// <summary>Compile-time generated validator for <see cref="ShardOptions"/>.</summary>
[OptionsValidator]
public sealed partial class ShardOptionsValidator : IValidateOptions<ShardOptions>;
