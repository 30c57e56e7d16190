// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;
using PainStream.Hosting;
using PainStream.Hosting.History;

namespace PainStream.Tools.Commands;

/// <summary>
/// <c>painstream replay</c>: re-runs a bed's alert policy over its stored score history with candidate settings, and prints
/// beside what really happened which episodes those settings would have raised (issue 11). Reads the history file only.
/// </summary>
internal static class ReplayCommand
{
    /// <summary>The usage line(s).</summary>
    public const string Synopsis = """
          replay --camera C --bed B [--from TIME] [--to TIME] [--set KEY=VALUE]... [--history FILE] [--json]
                 [--config FILE]
                                     re-run bed C/B's alert policy over its score history (Http:History:Path) from
                                     --from (default 1 h before --to) to --to (default now; ISO-8601 or Unix ms) with
                                     the running settings changed by --set (Alerting keys: OnThreshold, OffThreshold,
                                     DwellSeconds, HoldSeconds, ReAlertMinutes, EscalateAfterMinutes, MinConfidence,
                                     FaceNotVisibleMinutes); prints the episodes that happened and those the settings
                                     would have raised, and the configuration snippet. Exit 2 for an invalid setting
        """;

    private const string Prefix = "painstream: replay: ";

    private static readonly string[] Keys =
        ["OnThreshold", "OffThreshold", "DwellSeconds", "HoldSeconds", "ReAlertMinutes", "EscalateAfterMinutes", "MinConfidence", "FaceNotVisibleMinutes"];

    /// <summary>Runs the verb.</summary>
    /// <param name="args">The arguments after the verb.</param>
    /// <param name="stdout">Standard output.</param>
    /// <param name="stderr">Standard error.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? camera = null, bed = null, from = null, to = null, history = null, config = null;
        var json = false;
        var candidate = new AlertingOverrides();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--json")
            {
                json = true;
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return Usage(stderr, $"unexpected argument '{args[i]}'");
            }

            if (!Cli.TryOptionValue(args, ref i, out var name, out var value, out var error))
            {
                return Usage(stderr, error);
            }

            switch (name)
            {
                case "--camera": camera = value; break;
                case "--bed": bed = value; break;
                case "--from": from = value; break;
                case "--to": to = value; break;
                case "--history": history = value; break;
                case "--config": config = value; break;
                case "--set":
                    if (!TrySet(candidate, value, out error))
                    {
                        stderr.WriteLine(Prefix + error);
                        return Cli.ExitBadConfig;
                    }

                    break;
                default:
                    return Usage(stderr, $"unknown option '{name}'");
            }
        }

        if (camera is null || bed is null)
        {
            return Usage(stderr, "--camera and --bed are required");
        }

        if (!CameraId.IsValid(camera) || !CameraId.IsValid(bed))
        {
            return Usage(stderr, $"invalid camera or bed id '{camera}/{bed}' ([a-z0-9_-]{{1,64}})");
        }

        if (!HistoryQuery.TryPeriod(from, to, TimeProvider.System, TimeSpan.FromHours(1), out var start, out var end, out var periodError))
        {
            return Usage(stderr, periodError);
        }

        var home = PainStreamConfiguration.ResolveHome();
        var file = PainStreamConfiguration.ResolveFile(config, home);
        if (Cli.LoadAndCheck(file, home, out _, out var settings).Count > 0)
        {
            return Cli.ExitBadConfig;
        }

        var cameras = CameraOptionsResolver.Resolve(settings!.Cameras, settings.Capture, settings.Demo, home, settings.Alerting, settings.Scoring.Scorer);
        if (!cameras.TryGetValue(new CameraId(camera), out var cameraSettings) || cameraSettings.Beds.FirstOrDefault(b => b.Name == bed) is not { } bedSettings)
        {
            stderr.WriteLine($"{Prefix}unknown bed '{bed}' on camera '{camera}' in {file}");
            return Cli.ExitUsage;
        }

        var path = history ?? HistoryQuery.HistoryPath(settings, new DaemonPaths(home, file));
        var (problems, response) = ReplayRunner.Run(path, camera, bed, bedSettings.Policy, candidate, start, end);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                stderr.WriteLine(Prefix + problem);
            }

            return problems.Any(p => p.StartsWith("no score history", StringComparison.Ordinal)) ? Cli.ExitUsage : Cli.ExitBadConfig;
        }

        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(response!, DashboardJsonContext.Default.ReplayResponse));
            return 0;
        }

        var r = response!;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{camera}/{bed}: {r.Samples} samples from {r.From.ToLocalTime():yyyy-MM-dd HH:mm:ss} to {r.To.ToLocalTime():yyyy-MM-dd HH:mm:ss} (local time), replayed in {r.ElapsedMilliseconds:0} ms"));
        Print(stdout, "what happened (running settings)", r.Actual);
        Print(stdout, "with the candidate settings", r.Replayed);
        stdout.WriteLine();
        stdout.WriteLine("configuration snippet:");
        stdout.WriteLine("  " + r.Snippet);
        return 0;
    }

    private static void Print(TextWriter stdout, string title, List<EpisodeInfo> episodes)
    {
        stdout.WriteLine();
        stdout.WriteLine($"{title}: {episodes.Count} episode(s)");
        foreach (var e in episodes)
        {
            var ended = e.EndedAt is { } at ? $"ended {at.ToLocalTime():HH:mm:ss} ({e.EndCause})" : "still open";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {e.Reason,-16} started {e.StartedAt.ToLocalTime():HH:mm:ss}  alert {e.AnnouncedAt.ToLocalTime():HH:mm:ss}  {ended}  peak {e.Peak:0.0}  priority {e.Priority}"));
        }
    }

    private static bool TrySet(AlertingOverrides candidate, string assignment, out string error)
    {
        error = string.Empty;
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        var key = equals > 0 ? assignment[..equals].Trim() : assignment;
        if (key.StartsWith("Alerting:", StringComparison.OrdinalIgnoreCase))
        {
            key = key["Alerting:".Length..];
        }

        var known = Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
        if (equals <= 0 || known is null)
        {
            error = $"--set {assignment}: unknown setting '{key}' (known: {string.Join(", ", Keys)})";
            return false;
        }

        if (!double.TryParse(assignment[(equals + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            error = $"Alerting:{known}: '{assignment[(equals + 1)..]}' is not a number";
            return false;
        }

        switch (known)
        {
            case "OnThreshold": candidate.OnThreshold = value; break;
            case "OffThreshold": candidate.OffThreshold = value; break;
            case "DwellSeconds": candidate.DwellSeconds = value; break;
            case "HoldSeconds": candidate.HoldSeconds = value; break;
            case "ReAlertMinutes": candidate.ReAlertMinutes = value; break;
            case "EscalateAfterMinutes": candidate.EscalateAfterMinutes = value; break;
            case "MinConfidence": candidate.MinConfidence = value; break;
            default: candidate.FaceNotVisibleMinutes = value; break;
        }

        return true;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine(Prefix + message);
        stderr.WriteLine("Usage: painstream" + Synopsis.TrimEnd());
        return Cli.ExitUsage;
    }
}
