// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.RegularExpressions;
using PainStream.Core.Cameras;

namespace PainStream.Core.Options;

/// <summary>
/// Cross-section rules of scorer selection: every <c>onnx:&lt;model&gt;</c> (in <c>Scoring:Scorer</c> or
/// <c>Cameras:&lt;name&gt;:Scorer</c>) names a model of <c>Scoring:Models</c>, every model has a valid name and a path, and
/// an infant bed (<c>Mode = infant</c>) has <c>Scoring:InfantModel</c> to score with.
/// </summary>
public static partial class ScorerRules
{
    /// <summary>Checks the scorer settings.</summary>
    /// <param name="cameras">The cameras.</param>
    /// <param name="scoring">The scoring section (its models are the ones that can be selected).</param>
    /// <returns>Each problem as <c>key: reason</c>; empty when valid.</returns>
    public static IReadOnlyList<string> Check(CamerasOptions cameras, ScoringOptions scoring)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(scoring);
        var problems = new List<string>();
        foreach (var (name, model) in scoring.Models)
        {
            var key = $"{ScoringOptions.SectionName}:Models:{name}";
            if (!ModelName().IsMatch(name))
            {
                problems.Add($"{key}: model name '{name}' must match [A-Za-z0-9_.-]{{1,64}}");
            }

            if (model is null || string.IsNullOrWhiteSpace(model.Path))
            {
                problems.Add($"{key}:Path: the model's ONNX file is required (its manifest lies beside it)");
            }
        }

        if (scoring.InfantModel is { } infant && string.IsNullOrWhiteSpace(infant.Path))
        {
            problems.Add($"{ScoringOptions.SectionName}:InfantModel:Path: the infant model's ONNX file is required (its manifest lies beside it)");
        }

        CheckScorer($"{ScoringOptions.SectionName}:Scorer", scoring.Scorer, scoring, problems);
        foreach (var (name, camera) in cameras)
        {
            if (camera?.Scorer is { } scorer)
            {
                CheckScorer($"{CamerasOptions.SectionName}:{name}:Scorer", scorer, scoring, problems);
            }

            foreach (var (bed, options) in camera?.Beds ?? [])
            {
                if (options?.BedMode == BedMode.Infant && scoring.InfantModel is null)
                {
                    problems.Add($"{CamerasOptions.SectionName}:{name}:Beds:{bed}:Mode: an infant bed needs an infant model; set {ScoringOptions.SectionName}:InfantModel:Path (e.g. models/example/infant-flacc-synthetic.onnx)");
                }
            }
        }

        return problems;
    }

    /// <summary>Gets the model name of an <c>onnx:&lt;model&gt;</c> scorer.</summary>
    /// <param name="scorer">The scorer setting.</param>
    /// <param name="model">The model name.</param>
    /// <returns><see langword="true"/> for a learned scorer.</returns>
    public static bool TryGetModel(string? scorer, out string model)
    {
        if (scorer is not null && scorer.StartsWith(ScoringOptions.OnnxPrefix, StringComparison.Ordinal))
        {
            model = scorer[ScoringOptions.OnnxPrefix.Length..];
            return true;
        }

        model = string.Empty;
        return false;
    }

    private static void CheckScorer(string key, string scorer, ScoringOptions scoring, List<string> problems)
    {
        if (TryGetModel(scorer, out var model) && !scoring.Models.ContainsKey(model))
        {
            var known = scoring.Models.Count == 0 ? "none is configured" : "known: " + string.Join(", ", scoring.Models.Keys.Order(StringComparer.Ordinal));
            problems.Add($"{key}: unknown model '{model}' ({known}); add it as {ScoringOptions.SectionName}:Models:{model}:Path");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ModelName();
}
