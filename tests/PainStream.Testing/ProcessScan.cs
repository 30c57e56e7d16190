// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;

namespace PainStream.Testing;

/// <summary>One process seen in <c>/proc</c>.</summary>
/// <param name="Pid">The process id.</param>
/// <param name="ParentPid">The parent's process id.</param>
/// <param name="State">The state letter of <c>/proc/&lt;pid&gt;/stat</c> (R, S, D, T stopped, Z zombie…).</param>
/// <param name="Name">The executable name (<c>comm</c>), e.g. <c>ffmpeg</c>.</param>
/// <param name="CommandLine">The argv joined by spaces (empty for a zombie).</param>
public sealed record ProcessEntry(int Pid, int ParentPid, char State, string Name, string CommandLine)
{
    /// <summary>Gets a value indicating whether the process has exited and was not reaped by its parent.</summary>
    public bool IsZombie => State == 'Z';

    /// <inheritdoc/>
    public override string ToString() => $"{Pid} ({Name}, state {State}, parent {ParentPid}): {CommandLine}";
}

/// <summary>The processes a scan found: live ones (running, sleeping or stopped) and zombies, listed separately.</summary>
/// <param name="Live">Processes that have not exited.</param>
/// <param name="Zombies">Exited processes not yet reaped.</param>
public sealed record ProcessScanResult(IReadOnlyList<ProcessEntry> Live, IReadOnlyList<ProcessEntry> Zombies)
{
    /// <summary>Gets a value indicating whether the scan found nothing.</summary>
    public bool IsEmpty => Live.Count == 0 && Zombies.Count == 0;

    /// <inheritdoc/>
    public override string ToString() =>
        IsEmpty ? "none" : "live: [" + string.Join("; ", Live) + "], zombies: [" + string.Join("; ", Zombies) + "]";
}

/// <summary>
/// Finds processes by a marker in their command line (Linux <c>/proc</c>), so that tests can assert that no ffmpeg (or server)
/// of theirs is left running, stopped or unreaped. Use a marker unique to the test: the RTSP server's port as
/// <c>127.0.0.1:PORT</c>, or a distinctive value in a lavfi graph.
/// </summary>
/// <remarks>
/// A zombie has an empty command line, so zombies are matched on their name and parent instead: an exited, unreaped process
/// named like the <c>zombieName</c> argument of <see cref="Find"/> whose parent is this test process. Transient zombies exist for a moment between a
/// child's exit and the runtime's <c>waitpid</c>: assert with <see cref="WaitUntilNoneAsync"/>, which polls briefly.
/// </remarks>
public static class ProcessScan
{
    /// <summary>Lists the processes whose command line contains <paramref name="marker"/>, and this process's zombie children.</summary>
    /// <param name="marker">A string unique to the processes of one test (compared ordinally).</param>
    /// <param name="name">When set, only processes with this executable name (<c>comm</c>) are listed.</param>
    /// <param name="zombieName">The name of zombie children to report (they have no command line to match).</param>
    /// <returns>Live processes and zombies, each list ordered by pid.</returns>
    public static ProcessScanResult Find(string marker, string? name = null, string zombieName = "ffmpeg")
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var self = Environment.ProcessId;
        var live = new List<ProcessEntry>();
        var zombies = new List<ProcessEntry>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            var entry = Read(pid);
            if (entry is null || (name is not null && !string.Equals(entry.Name, name, StringComparison.Ordinal)))
            {
                continue;
            }

            if (entry.IsZombie)
            {
                if (entry.ParentPid == self && string.Equals(entry.Name, zombieName, StringComparison.Ordinal))
                {
                    zombies.Add(entry);
                }
            }
            else if (entry.CommandLine.Contains(marker, StringComparison.Ordinal))
            {
                live.Add(entry);
            }
        }

        live.Sort(static (a, b) => a.Pid.CompareTo(b.Pid));
        zombies.Sort(static (a, b) => a.Pid.CompareTo(b.Pid));
        return new ProcessScanResult(live, zombies);
    }

    /// <summary>Polls <see cref="Find"/> until it finds nothing or <paramref name="timeout"/> passes.</summary>
    /// <param name="marker">See <see cref="Find"/>.</param>
    /// <param name="timeout">How long processes may take to go away.</param>
    /// <param name="name">See <see cref="Find"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The last scan: empty on success, otherwise what was still there (for the assertion message).</returns>
    public static async Task<ProcessScanResult> WaitUntilNoneAsync(string marker, TimeSpan timeout, string? name = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var result = Find(marker, name);
            if (result.IsEmpty || clock.Elapsed >= timeout)
            {
                return result;
            }

            // Polling /proc is the only signal there is for "another process went away".
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Polls <see cref="Find"/> until a live process matches, or fails after <paramref name="timeout"/>.</summary>
    /// <param name="marker">See <see cref="Find"/>.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="name">See <see cref="Find"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching live processes.</returns>
    /// <exception cref="TimeoutException">None appeared in time.</exception>
    public static async Task<IReadOnlyList<ProcessEntry>> WaitForLiveAsync(string marker, TimeSpan timeout, string? name = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var result = Find(marker, name);
            if (result.Live.Count > 0)
            {
                return result.Live;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"No live process with '{marker}' in its command line within {timeout}.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Reads one process from <c>/proc</c>.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The entry, or <see langword="null"/> when the process is gone.</returns>
    public static ProcessEntry? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // "pid (comm) S ppid …": comm may contain spaces and parentheses, so split at the last ')'.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open)
            {
                return null;
            }

            var name = stat[(open + 1)..close];
            var rest = stat[(close + 2)..].Split(' ', 3);
            var state = rest[0][0];
            var parent = int.Parse(rest[1], CultureInfo.InvariantCulture);
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
            return new ProcessEntry(pid, parent, state, name, cmdline);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process exited between listing and reading.
            return null;
        }
    }

    /// <summary>Sends a signal with <c>kill -SIGNAL pid</c> (e.g. <c>STOP</c>, <c>CONT</c>, <c>KILL</c>).</summary>
    /// <param name="pid">The target process.</param>
    /// <param name="signal">The signal name without the SIG prefix.</param>
    /// <exception cref="InvalidOperationException">kill failed (no such process, or not permitted).</exception>
    public static void Signal(int pid, string signal)
    {
        var info = new ProcessStartInfo("kill")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add("-" + signal);
        info.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(info) ?? throw new InvalidOperationException("cannot start kill");
        var error = kill.StandardError.ReadToEnd();
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed ({kill.ExitCode}): {error.Trim()}");
        }
    }
}
