// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace PainStream.Benchmarks;

/// <summary>
/// <c>--alloc-report TRACE.nettrace FRAMES [TOP]</c> (issue 14, item 3): bytes allocated per analysed frame by type and by
/// call site, from a <c>dotnet-trace collect --profile gc-verbose</c> recording of the daemon (bench/syscalls/alloc-trace).
/// </summary>
/// <remarks>
/// The runtime samples one <c>GC/AllocationTick</c> event per ≈ 100 KB allocated, with the type of the object that crossed
/// the threshold and its stack; each event stands for its <c>AllocationAmount64</c> bytes. A site under one event per
/// 100 KB ÷ FRAMES bytes is below the resolution (62 B per frame over 1,600 frames); run longer for finer figures.
/// TraceEvent comes with BenchmarkDotNet.
/// </remarks>
internal static class AllocationReport
{
    /// <summary>Prints the report.</summary>
    /// <param name="args">The trace file, the number of frames analysed while it was recorded, and optionally how many rows.</param>
    /// <returns>The exit code.</returns>
    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count < 2 || !File.Exists(args[0]) || !double.TryParse(args[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var frames) || frames <= 0)
        {
            Console.Error.WriteLine("usage: PainStream.Benchmarks --alloc-report TRACE.nettrace FRAMES [TOP]  (an existing trace file, frames > 0)");
            return 64;
        }

        var top = args.Count > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
        var etlx = TraceLog.CreateFromEventPipeDataFile(args[0]);
        using var log = new TraceLog(etlx);
        var byType = new Dictionary<string, double>(StringComparer.Ordinal);
        var bySite = new Dictionary<string, double>(StringComparer.Ordinal);
        double total = 0;
        foreach (var e in log.Events)
        {
            if (e.EventName != "GC/AllocationTick")
            {
                continue;
            }

            var type = e.PayloadByName("TypeName") as string ?? "?";
            var amount = Convert.ToDouble(e.PayloadByName("AllocationAmount64") ?? e.PayloadByName("AllocationAmount"), CultureInfo.InvariantCulture);
            total += amount;
            byType[type] = byType.GetValueOrDefault(type) + amount;
            var site = type + " <= " + Site(e.CallStack());
            bySite[site] = bySite.GetValueOrDefault(site) + amount;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sampled {total:F0} B over {frames:F0} frames = {total / frames:F0} B per frame (resolution ≈ {100_000 / frames:F0} B per frame)"));
        Console.WriteLine();
        Console.WriteLine("| B per frame | type |");
        Console.WriteLine("|---|---|");
        foreach (var (type, bytes) in byType.OrderByDescending(kv => kv.Value).Take(top))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {bytes / frames:F0} | `{type}` |"));
        }

        Console.WriteLine();
        Console.WriteLine("| B per frame | type <= first frames of our code (or the runtime's) |");
        Console.WriteLine("|---|---|");
        foreach (var (site, bytes) in bySite.OrderByDescending(kv => kv.Value).Take(top))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {bytes / frames:F0} | {site} |"));
        }

        return 0;
    }

    // The allocating frame, then the first few PainStream frames above it (the site we can change), else the runtime's.
    private static string Site(TraceCallStack? stack)
    {
        var names = new List<string>(4);
        string? first = null;
        for (var s = stack; s is not null && names.Count < 3; s = s.Caller)
        {
            var name = s.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            first ??= name;
            if (name.StartsWith("PainStream.", StringComparison.Ordinal) || name.StartsWith("MQTTnet.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Data.Sqlite.", StringComparison.Ordinal))
            {
                names.Add(Short(name));
            }
        }

        return names.Count > 0 ? string.Join(" < ", names) : Short(first ?? "?");
    }

    private static string Short(string method)
    {
        var paren = method.IndexOf('(', StringComparison.Ordinal);
        return paren > 0 ? method[..paren] : method;
    }
}
