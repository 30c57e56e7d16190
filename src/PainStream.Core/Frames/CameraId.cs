// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.RegularExpressions;

namespace PainStream.Core.Frames;

/// <summary>The configured name of a camera (<c>[a-z0-9_-]+</c>), used in MQTT topics and metric tags.</summary>
/// <param name="Value">The camera name exactly as configured.</param>
public readonly partial record struct CameraId(string Value)
{
    /// <summary>Whether <paramref name="value"/> is a valid camera or bed name.</summary>
    /// <param name="value">The candidate name.</param>
    /// <returns><see langword="true"/> when the name matches <c>^[a-z0-9_-]{1,64}$</c>.</returns>
    public static bool IsValid(string? value) => value is not null && NamePattern().IsMatch(value);

    /// <inheritdoc/>
    public override string ToString() => Value;

    // \z, not $: $ also matches before a trailing newline, which would let "bed\n" into a topic.
    [GeneratedRegex(@"^[a-z0-9_-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
