// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.RegularExpressions;
using PainStream.Core.Cameras;

namespace PainStream.Core.Options;

/// <summary>
/// Maps the <c>Shard</c> section onto this instance's <see cref="ShardAssignment"/>: beside the options, so Cameras does not
/// depend on Options (as <see cref="CameraOptionsResolver"/>).
/// </summary>
public static partial class ShardOptionsResolver
{
    /// <summary>Resolves the <c>Shard</c> section for this host.</summary>
    /// <param name="options">The validated section.</param>
    /// <param name="hostName">The host name (a StatefulSet pod's is <c>name-N</c>).</param>
    /// <param name="assignment">The assignment.</param>
    /// <param name="error">The problem, as <c>key: reason</c>.</param>
    /// <returns><see langword="true"/> when resolved.</returns>
    public static bool TryResolve(ShardOptions options, string hostName, out ShardAssignment assignment, out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        assignment = ShardAssignment.OneInstance;
        error = null;
        var index = options.Index;
        string? podName = null;
        if (index is null && options.Count > 1)
        {
            var match = OrdinalSuffix().Match(hostName ?? string.Empty);
            if (!match.Success)
            {
                error = $"{ShardOptions.SectionName}:Index: not set, and the host name '{hostName}' does not end in -<ordinal> like a StatefulSet pod's (set {ShardOptions.SectionName}:Index)";
                return false;
            }

            index = int.Parse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            podName = hostName!.ToLowerInvariant();
        }

        var instance = options.Instance;
        if (instance.Length == 0 && (options.Count > 1 || options.Index is not null))
        {
            instance = podName is not null && InstanceName().IsMatch(podName) ? podName : "shard-" + (index ?? 0).ToString(CultureInfo.InvariantCulture);
        }

        assignment = new ShardAssignment(index ?? 0, options.Count, instance);
        return true;
    }

    [GeneratedRegex("-([0-9]{1,3})$", RegexOptions.CultureInvariant)]
    private static partial Regex OrdinalSuffix();

    [GeneratedRegex(ShardOptions.InstancePattern, RegexOptions.CultureInvariant)]
    private static partial Regex InstanceName();
}
