// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PainStream.Core.Options;

/// <summary>The <c>Scoring</c> section: how faces become pain scores (restart needed).</summary>
public sealed class ScoringOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Scoring";

    /// <summary>The name of the geometric scorer.</summary>
    public const string GeometricScorer = "geometric";

    /// <summary>The scorer setting of an infant bed (<c>Cameras:&lt;c&gt;:Beds:&lt;b&gt;:Mode = infant</c>); not a camera scorer.</summary>
    public const string InfantScorer = "infant";

    /// <summary>The prefix of a learned scorer: <c>onnx:&lt;model name&gt;</c>, a key of <see cref="Models"/>.</summary>
    public const string OnnxPrefix = "onnx:";

    /// <summary>The pattern of a scorer setting (checked against <see cref="Models"/> by <see cref="ScorerRules"/>).</summary>
    public const string ScorerPattern = "^(geometric|onnx:[A-Za-z0-9_.-]{1,64})$";

    /// <summary>
    /// Gets or sets the default scorer of every camera (a camera may override it with <c>Cameras:&lt;name&gt;:Scorer</c>):
    /// <c>geometric</c> (landmark PSPI proxy) or <c>onnx:&lt;model&gt;</c> (a learned model listed in <see cref="Models"/>).
    /// <value>The default value is <c>geometric</c>.</value>
    /// </summary>
    [Required]
    [RegularExpression(ScorerPattern, ErrorMessage = "The {0} field must be 'geometric' or 'onnx:<model name>'.")]
    public string Scorer { get; set; } = GeometricScorer;

    /// <summary>
    /// Gets or sets the learned models by name (<c>[A-Za-z0-9_.-]</c>): each an ONNX file with its manifest beside it
    /// (<c>docs/model-contract.md</c>). Loaded and checked at start-up (restart needed); a camera selects one with
    /// <c>Scorer = onnx:&lt;name&gt;</c>. <value>The default value is empty: no learned model.</value>
    /// </summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the infant model (seed 003: seven AU intensities → MLP → FLACC 0–10), an ONNX file with its manifest beside
    /// it (<c>task: infant-flacc</c>), scored by infant beds (<c>Cameras:&lt;c&gt;:Beds:&lt;b&gt;:Mode = infant</c>). Loaded and
    /// checked at start-up when set (restart needed); required as soon as one bed is an infant bed.
    /// <value>The default value is <see langword="null"/>: no infant model, no infant bed.</value>
    /// </summary>
    [ValidateObjectMembers]
    public ModelOptions? InfantModel { get; set; }

    /// <summary>Gets or sets the largest number of faces (from all cameras) in one model run. <value>The default value is 16.</value></summary>
    [Range(1, 256)]
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>
    /// Gets or sets how long the first face of a batch waits for faces from other cameras before the batch runs anyway, in
    /// milliseconds. <value>The default value is 35.</value>
    /// </summary>
    [Range(0, 1000)]
    public double MaxBatchWaitMilliseconds { get; set; } = 35;

    /// <summary>Gets or sets the ONNX Runtime execution provider of the learned models. <value>The default value is <see cref="ExecutionProviderKind.Auto"/>.</value></summary>
    public ExecutionProviderKind ExecutionProvider { get; set; } = ExecutionProviderKind.Auto;

    /// <summary>Gets or sets ONNX Runtime's intra-op threads per model run. <value>The default value is 1.</value></summary>
    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Gets or sets where per-patient state (baselines) is kept; relative paths are under the install directory.</summary>
    [Required]
    [MinLength(1)]
    public string StateDirectory { get; set; } = "data/state";

    /// <summary>Gets or sets the neutral-baseline window: this many seconds of samples (one per <see cref="BaselineSampleSeconds"/>).</summary>
    [Range(10, 86400)]
    public int BaselineWindowSeconds { get; set; } = 300;

    /// <summary>Gets or sets how many seconds of neutral face are needed before the first score.</summary>
    [Range(1, 3600)]
    public int BaselineMinSeconds { get; set; } = 10;

    /// <summary>Gets or sets the percentile of each proxy taken as neutral (the proxies shrink with pain, so a high percentile).</summary>
    [Range(0.0, 1.0)]
    public double BaselinePercentile { get; set; } = 0.75;

    /// <summary>Gets or sets the interval between baseline samples, in seconds.</summary>
    [Range(0.1, 60.0)]
    public double BaselineSampleSeconds { get; set; } = 1;

    /// <summary>Gets or sets how long the eyes must stay closed before AU43 counts (shorter closures are blinks), in seconds.</summary>
    [Range(0.0, 10.0)]
    public double Au43MinClosedSeconds { get; set; } = 0.5;
}

/// <summary>One learned model (<c>Scoring:Models:&lt;name&gt;</c>).</summary>
public sealed class ModelOptions
{
    /// <summary>
    /// Gets or sets the ONNX file; its manifest is the same stem with <c>.manifest.json</c>, beside it. Relative paths are under
    /// the install directory.
    /// </summary>
    [Required]
    [MinLength(1)]
    public string Path { get; set; } = string.Empty;
}
