// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Serialization;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;

namespace PainStream.Hosting.History;

/// <summary>
/// The score history's queries shared by the dashboard (<c>/api/history</c>, <c>/api/replay</c>) and the <c>replay</c>
/// verb (<c>painstream-tools</c>): where the history file is, and how a period is given.
/// </summary>
internal static class HistoryQuery
{
    /// <summary>Resolves <c>Http:History:Path</c> against the home.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="paths">Home and configuration file.</param>
    /// <returns>The full path.</returns>
    public static string HistoryPath(PainStreamSettings settings, DaemonPaths paths) =>
        Path.IsPathRooted(settings.Http.History.Path) ? settings.Http.History.Path : Path.Combine(paths.Home, settings.Http.History.Path);

    /// <summary>Parses a period: ISO-8601 times or Unix milliseconds; <paramref name="to"/> defaults to now, <paramref name="from"/> to <paramref name="span"/> before it.</summary>
    internal static bool TryPeriod(string? from, string? to, TimeProvider time, TimeSpan span, out DateTimeOffset start, out DateTimeOffset end, out string error)
    {
        error = string.Empty;
        start = default;
        end = time.GetUtcNow();
        if (!string.IsNullOrEmpty(to) && !TryTime(to, out end))
        {
            error = $"'to' is not a time: '{to}' (ISO-8601, or Unix milliseconds)";
            return false;
        }

        start = end - span;
        if (!string.IsNullOrEmpty(from) && !TryTime(from, out start))
        {
            error = $"'from' is not a time: '{from}' (ISO-8601, or Unix milliseconds)";
            return false;
        }

        if (start > end)
        {
            error = "'from' is after 'to'";
            return false;
        }

        return true;
    }

    private static bool TryTime(string text, out DateTimeOffset value)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            value = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}

/// <summary>Runs a replay for the HTTP endpoint and the <c>replay</c> verb: validates the candidate settings like the configuration does.</summary>
internal static class ReplayRunner
{
    /// <summary>Validates <paramref name="candidate"/>, merges it into <paramref name="running"/> and replays the period.</summary>
    /// <param name="historyPath">The history file.</param>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="running">The bed's running policy.</param>
    /// <param name="candidate">The candidate settings (<c>Alerting</c> keys; unset ones keep the running value).</param>
    /// <param name="from">From.</param>
    /// <param name="to">To.</param>
    /// <returns>The problems (each naming its setting), or the response.</returns>
    public static (IReadOnlyList<string> Problems, ReplayResponse? Response) Run(
        string historyPath, string camera, string bed, AlertPolicy running, AlertingOverrides candidate, DateTimeOffset from, DateTimeOffset to)
    {
        var problems = Validate(candidate, out var policy, running);
        if (problems.Count > 0)
        {
            return (problems, null);
        }

        if (!File.Exists(historyPath))
        {
            return ([$"no score history at {historyPath} (Http:History:Path)"], null);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var samples = ScoreHistoryStore.ReadSamples(historyPath, camera, bed, from, to, ticks: true);
        var replayed = AlertReplay.Episodes(AlertReplay.Run(new CameraId(camera), bed, policy, samples.ConvertAll(s => s.ToRecorded())));
        var actual = AlertReplay.Episodes(ScoreHistoryStore.ReadEvents(historyPath, camera, bed, from, to));
        clock.Stop();
        return ([], new ReplayResponse(
            camera,
            bed,
            from,
            to,
            samples.Count(s => !s.IsTick),
            PolicyInfo.From(running),
            PolicyInfo.From(policy),
            actual.Select(EpisodeInfo.From).ToList(),
            replayed.Select(EpisodeInfo.From).ToList(),
            Snippet(camera, bed, candidate),
            clock.Elapsed.TotalMilliseconds));
    }

    /// <summary>Checks the candidate settings with the configuration's rules (ranges, then the policy's cross-field rules).</summary>
    /// <param name="candidate">The candidate.</param>
    /// <param name="policy">The merged policy.</param>
    /// <param name="running">The running policy.</param>
    /// <returns>Each problem as <c>Alerting:Key: reason</c>.</returns>
    public static IReadOnlyList<string> Validate(AlertingOverrides candidate, out AlertPolicy policy, AlertPolicy running)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(candidate, new ValidationContext(candidate), results, validateAllProperties: true);
        var problems = results.Select(r => $"Alerting:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
        policy = running with
        {
            OnThreshold = candidate.OnThreshold ?? running.OnThreshold,
            OffThreshold = candidate.OffThreshold ?? running.OffThreshold,
            Dwell = candidate.DwellSeconds is { } d ? TimeSpan.FromSeconds(d) : running.Dwell,
            Hold = candidate.HoldSeconds is { } h ? TimeSpan.FromSeconds(h) : running.Hold,
            ReAlertInterval = candidate.ReAlertMinutes is { } r ? TimeSpan.FromMinutes(r) : running.ReAlertInterval,
            EscalateAfter = candidate.EscalateAfterMinutes is { } e ? TimeSpan.FromMinutes(e) : running.EscalateAfter,
            MinConfidence = candidate.MinConfidence ?? running.MinConfidence,
            FaceNotVisibleAfter = candidate.FaceNotVisibleMinutes is { } f ? TimeSpan.FromMinutes(f) : running.FaceNotVisibleAfter,
        };
        if (problems.Count == 0)
        {
            problems.AddRange(policy.Validate().Select(p => "Alerting: " + p));
        }

        return problems;
    }

    private static string Snippet(string camera, string bed, AlertingOverrides c)
    {
        var keys = new List<string>();
        void Add(string name, double? value)
        {
            if (value is { } v)
            {
                keys.Add(string.Create(CultureInfo.InvariantCulture, $"\"{name}\": {v}"));
            }
        }

        Add(nameof(c.OnThreshold), c.OnThreshold);
        Add(nameof(c.OffThreshold), c.OffThreshold);
        Add(nameof(c.DwellSeconds), c.DwellSeconds);
        Add(nameof(c.HoldSeconds), c.HoldSeconds);
        Add(nameof(c.ReAlertMinutes), c.ReAlertMinutes);
        Add(nameof(c.EscalateAfterMinutes), c.EscalateAfterMinutes);
        Add(nameof(c.MinConfidence), c.MinConfidence);
        Add(nameof(c.FaceNotVisibleMinutes), c.FaceNotVisibleMinutes);
        var body = string.Join(", ", keys);
        return camera == DemoOptions.CameraName
            ? $"\"Alerting\": {{ {body} }}"
            : $"\"Cameras\": {{ \"{camera}\": {{ \"Beds\": {{ \"{bed}\": {{ \"Alerting\": {{ {body} }} }} }} }} }}";
    }
}

/// <summary>What the app needs to connect.</summary>
/// <param name="BrokerUrl">The external broker's WebSocket URL, or <see langword="null"/>.</param>
/// <param name="MqttPath">The embedded broker's WebSocket path on this endpoint, or <see langword="null"/>.</param>
/// <param name="Prefix">The topic prefix.</param>
/// <param name="History">Whether the history and replay are served.</param>
internal sealed record DashboardInfo(string? BrokerUrl, string? MqttPath, string Prefix, bool History);

/// <summary>One configured bed, with its thresholds for the chart.</summary>
internal sealed record BedInfo(string Camera, string Bed, string Scale, double OnThreshold, double OffThreshold, double MaxScore)
{
    /// <summary>Creates it from the catalog.</summary>
    public static BedInfo From(string camera, BedSettings bed) =>
        new(camera, bed.Name, bed.Policy.Scale.WireName(), bed.Policy.OnThreshold, bed.Policy.OffThreshold, bed.Policy.MaxScore);
}

/// <summary>One chart point: Unix ms, raw, smoothed, confidence, state, quality.</summary>
internal sealed record HistoryPoint(long T, double? Pspi, double? Smoothed, double Confidence, string Level, string? Quality);

/// <summary>One stored event.</summary>
internal sealed record HistoryEventInfo(string Id, string Type, string Reason, string Cause, string Priority, DateTimeOffset StartedAt, DateTimeOffset Ts, double? Score, double? Peak, bool Acknowledged)
{
    /// <summary>The contract's name of a cause (<c>peak_rise</c>, <c>baseline_reset</c>…).</summary>
    public static string CauseName(AlertCause cause) =>
        string.Concat(cause.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>Creates it from an event.</summary>
    public static HistoryEventInfo From(AlertEvent e) =>
        new(e.Id, AlertNames.Type(e.Type), AlertNames.Reason(e.Reason), CauseName(e.Cause), AlertNames.Priority(e.Priority), e.StartedAt, e.Ts, e.Score, e.Peak, e.Acknowledged);
}

/// <summary>The <c>/api/history</c> body.</summary>
internal sealed record HistoryResponse(string Camera, string Bed, DateTimeOffset From, DateTimeOffset To, List<HistoryPoint> Samples, List<HistoryEventInfo> Events);

/// <summary>The <c>/api/replay</c> request.</summary>
internal sealed record ReplayRequest(string Camera, string Bed, string? From, string? To, AlertingOverrides? Settings);

/// <summary>A policy's tunable settings.</summary>
internal sealed record PolicyInfo(double OnThreshold, double OffThreshold, double DwellSeconds, double HoldSeconds, double ReAlertMinutes, double EscalateAfterMinutes, double MinConfidence, double FaceNotVisibleMinutes)
{
    /// <summary>Creates it from a policy.</summary>
    public static PolicyInfo From(AlertPolicy p) =>
        new(p.OnThreshold, p.OffThreshold, p.Dwell.TotalSeconds, p.Hold.TotalSeconds, p.ReAlertInterval.TotalMinutes, p.EscalateAfter.TotalMinutes, p.MinConfidence, p.FaceNotVisibleAfter.TotalMinutes);
}

/// <summary>One episode in a replay response.</summary>
internal sealed record EpisodeInfo(string Id, string Reason, DateTimeOffset StartedAt, DateTimeOffset AnnouncedAt, DateTimeOffset? EndedAt, string? EndCause, double? Peak, string Priority, int Updates)
{
    /// <summary>Creates it from a replay episode.</summary>
    public static EpisodeInfo From(ReplayEpisode e) =>
        new(e.Id, AlertNames.Reason(e.Reason), e.StartedAt, e.AnnouncedAt, e.EndedAt, e.EndCause is { } c ? HistoryEventInfo.CauseName(c) : null, e.Peak, AlertNames.Priority(e.Priority), e.Updates);
}

/// <summary>The <c>/api/replay</c> body.</summary>
internal sealed record ReplayResponse(string Camera, string Bed, DateTimeOffset From, DateTimeOffset To, int Samples, PolicyInfo Running, PolicyInfo Candidate, List<EpisodeInfo> Actual, List<EpisodeInfo> Replayed, string Snippet, double ElapsedMilliseconds);

/// <summary>An error body: every problem.</summary>
internal sealed record ProblemResponse(IReadOnlyList<string> Errors);

/// <summary>Source-generated JSON for the dashboard endpoints.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(DashboardInfo))]
[JsonSerializable(typeof(List<BedInfo>))]
[JsonSerializable(typeof(HistoryResponse))]
[JsonSerializable(typeof(ReplayRequest))]
[JsonSerializable(typeof(ReplayResponse))]
[JsonSerializable(typeof(ProblemResponse))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
