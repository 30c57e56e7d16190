// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace PainStream.LoadTool;

/// <summary>
/// What a scenario adds to <see cref="PipelineScenario.RunAsync"/>'s run of the real daemon: its own settings, something
/// started once the daemon is ready (a subscriber), the window's edges, and its own figures from the two scrapes.
/// </summary>
internal sealed record DaemonRunHooks
{
    /// <summary>Gets the scenario's name in the results (<c>pipeline</c> unless set).</summary>
    public string Kind { get; init; } = "pipeline";

    /// <summary>Gets a change to the generated configuration (the root object, and the camera names), or <see langword="null"/>.</summary>
    public Action<JsonObject, string[]>? Configure { get; init; }

    /// <summary>Gets the least warm-up, in seconds (the larger of this and <c>--warmup</c>).</summary>
    public double MinWarmupSeconds { get; init; }

    /// <summary>Gets the measured window, in seconds, or <see langword="null"/> for <c>--seconds</c>.</summary>
    public double? WindowSeconds { get; init; }

    /// <summary>Gets what to start once every camera has a processed frame, given the embedded broker's port.</summary>
    public Func<int, CancellationToken, Task>? OnReadyAsync { get; init; }

    /// <summary>Gets what to call right after the scrape that opens the window.</summary>
    public Action? OnWindowStart { get; init; }

    /// <summary>Gets what to call right after the scrape that closes the window.</summary>
    public Action? OnWindowEnd { get; init; }

    /// <summary>Gets what adds the scenario's own figures to the result, from the scrapes before and after the window.</summary>
    public Func<ScenarioResult, PromScrape, PromScrape, ScenarioResult>? OnMeasured { get; init; }
}
