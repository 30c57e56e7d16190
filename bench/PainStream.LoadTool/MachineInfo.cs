// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace PainStream.LoadTool;

/// <summary>What the figures were measured on.</summary>
internal static class MachineInfo
{
    /// <summary>Describes the machine, the runtime and ffmpeg.</summary>
    /// <param name="options">The options (ffmpeg path).</param>
    /// <returns>Name to description.</returns>
    public static IReadOnlyDictionary<string, string> Describe(LoadOptions options)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var mem = (ProcFs.TryReadStatusBytes(Environment.ProcessId, "VmRSS") is not null
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null) ?? "unknown";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = Environment.MachineName,
            ["cpu"] = string.Create(CultureInfo.InvariantCulture, $"{cpu}, {Environment.ProcessorCount} logical cores"),
            ["memory"] = mem,
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["ffmpeg"] = FirstLine(options.Ffmpeg, "-version"),
            ["load average at start"] = ProcFs.LoadAverage1()?.ToString("F2", CultureInfo.InvariantCulture) ?? "unknown",
            ["clock ticks per second"] = ProcFs.TicksPerSecond.ToString(CultureInfo.InvariantCulture),
        };
    }

    private static string FirstLine(string file, string argument)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, argument) { RedirectStandardOutput = true, UseShellExecute = false });
            if (p is null)
            {
                return "unknown";
            }

            var line = p.StandardOutput.ReadLine() ?? "unknown";
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return line;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"not found ({ex.Message})";
        }
    }
}
