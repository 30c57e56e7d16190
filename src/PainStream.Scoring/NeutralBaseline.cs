// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json.Serialization;

namespace PainStream.Scoring;

/// <summary>A patient's neutral face: the proxy values the scorer measures changes against.</summary>
/// <param name="Neutral">The proxies of the neutral face (from one neutral image or learnt by <see cref="BaselineLearner"/>).</param>
public readonly record struct NeutralBaseline(AuProxies Neutral)
{
    /// <summary>Gets a value indicating whether every proxy is finite and positive (a baseline the scorer can divide by).</summary>
    [JsonIgnore]
    public bool IsValid =>
        Neutral.IsValid && Neutral.EyeAspectRatio > 0 && Neutral.LidAperture > 0 && Neutral.BrowToLid > 0
        && Neutral.InnerBrowGap > 0 && Neutral.NoseToUpperLip > 0 && Neutral.NoseRootToLip > 0;
}
