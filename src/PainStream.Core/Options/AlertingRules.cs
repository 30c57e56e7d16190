// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Options;

/// <summary>Cross-field rules of the alert settings, checked on every resolved policy (global, camera, bed).</summary>
public static class AlertingRules
{
    /// <summary>Checks the global policy and each camera's resolved policy.</summary>
    /// <param name="alerting">The <c>Alerting</c> section.</param>
    /// <param name="cameras">The <c>Cameras</c> section.</param>
    /// <returns>Problems as <c>key: reason</c>.</returns>
    public static IReadOnlyList<string> Check(AlertingOptions alerting, CamerasOptions cameras)
    {
        ArgumentNullException.ThrowIfNull(alerting);
        ArgumentNullException.ThrowIfNull(cameras);
        var problems = new List<string>();
        var global = alerting.Resolve().Validate();
        foreach (var problem in global)
        {
            problems.Add($"{AlertingOptions.SectionName}: {problem}");
        }

        foreach (var (name, camera) in cameras)
        {
            if (camera?.Alerting is not { } overrides)
            {
                continue;
            }

            foreach (var problem in alerting.Resolve(overrides).Validate())
            {
                if (global.Contains(problem))
                {
                    continue; // Already reported once for the global section.
                }

                problems.Add($"{CamerasOptions.SectionName}:{name}:Alerting: {problem}");
            }
        }

        return problems;
    }
}
