// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;

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

        // The infant thresholds (FLACC) on the global timings: a problem here is the Alerting:Infant section's.
        var infantGlobal = alerting.ResolveInfant().Validate();
        foreach (var problem in infantGlobal.Except(global))
        {
            problems.Add($"{AlertingOptions.SectionName}:Infant: {problem}");
        }

        foreach (var (name, camera) in cameras)
        {
            if (camera is null)
            {
                continue;
            }

            var cameraProblems = alerting.Resolve(camera.Alerting).Validate();
            if (camera.Alerting is not null)
            {
                foreach (var problem in cameraProblems.Except(global))
                {
                    problems.Add($"{CamerasOptions.SectionName}:{name}:Alerting: {problem}");
                }
            }

            foreach (var (bed, options) in camera.Beds ?? [])
            {
                if (options?.Alerting is null)
                {
                    continue;
                }

                // An infant bed's own thresholds are FLACC values (0–10), checked against the infant policy.
                var infant = options.BedMode == BedMode.Infant;
                var inherited = infant ? infantGlobal.Concat(cameraProblems) : cameraProblems;
                foreach (var problem in alerting.Resolve(options.BedMode, camera.Alerting, options.Alerting).Validate().Except(inherited).Except(global))
                {
                    problems.Add($"{CamerasOptions.SectionName}:{name}:Beds:{bed}:Alerting: {problem}");
                }
            }
        }

        return problems;
    }
}
