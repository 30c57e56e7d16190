// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;

namespace PainStream.LoadTool;

/// <summary>CPU times of one process from <c>/proc/&lt;pid&gt;/stat</c>, in clock ticks.</summary>
/// <param name="Pid">The process id.</param>
/// <param name="ParentPid">The parent's process id.</param>
/// <param name="Name">The command name (<c>comm</c>).</param>
/// <param name="UserTicks">utime: user time of all its threads.</param>
/// <param name="SystemTicks">stime: kernel time of all its threads.</param>
/// <param name="ChildUserTicks">cutime: user time of children it has waited for.</param>
/// <param name="ChildSystemTicks">cstime: kernel time of children it has waited for.</param>
/// <param name="StartTicks">starttime, which tells a process from a later one that reused its id.</param>
internal readonly record struct ProcStat(int Pid, int ParentPid, string Name, long UserTicks, long SystemTicks, long ChildUserTicks, long ChildSystemTicks, long StartTicks)
{
    /// <summary>Gets the process's own CPU ticks plus those of the children it has reaped.</summary>
    public long TreeTicks => UserTicks + SystemTicks + ChildUserTicks + ChildSystemTicks;

    /// <summary>Gets the process's own CPU ticks.</summary>
    public long OwnTicks => UserTicks + SystemTicks;
}

/// <summary>
/// Reads process statistics from <c>/proc</c>. CPU time is the robust measure on a shared machine: it counts the work done,
/// not how long it waited for a core.
/// </summary>
internal static class ProcFs
{
    private static readonly Lazy<double> TicksPerSecondValue = new(ReadTicksPerSecond);

    /// <summary>Gets the kernel's clock ticks per second (USER_HZ, normally 100).</summary>
    public static double TicksPerSecond => TicksPerSecondValue.Value;

    /// <summary>Reads one process's stat line.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The figures, or <see langword="null"/> when the process is gone.</returns>
    public static ProcStat? TryReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return ParseStat(text);
    }

    /// <summary>Parses a <c>/proc/&lt;pid&gt;/stat</c> line (the command name may hold spaces and parentheses).</summary>
    /// <param name="text">The line.</param>
    /// <returns>The figures, or <see langword="null"/> when the line is malformed.</returns>
    public static ProcStat? ParseStat(string text)
    {
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        var pid = int.Parse(text.AsSpan(0, open).Trim(), CultureInfo.InvariantCulture);
        var name = text[(open + 1)..close];

        // Fields after "(comm)": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17) … starttime(22).
        var fields = text[(close + 2)..].Split(' ');
        long F(int field) => long.Parse(fields[field - 3], CultureInfo.InvariantCulture);
        return new ProcStat(pid, (int)F(4), name, F(14), F(15), F(16), F(17), F(22));
    }

    /// <summary>Reads every process's stat line once.</summary>
    /// <returns>Process id to figures.</returns>
    public static Dictionary<int, ProcStat> ReadAll()
    {
        var all = new Dictionary<int, ProcStat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && TryReadStat(pid) is { } stat)
            {
                all[pid] = stat;
            }
        }

        return all;
    }

    /// <summary>Returns <paramref name="root"/> and all its live descendants.</summary>
    /// <param name="root">The root process id.</param>
    /// <returns>The tree's processes; empty when the root is gone.</returns>
    public static List<ProcStat> ReadTree(int root)
    {
        var all = ReadAll();
        var tree = new List<ProcStat>();
        if (!all.TryGetValue(root, out var rootStat))
        {
            return tree;
        }

        var children = all.Values.ToLookup(p => p.ParentPid);
        var stack = new Stack<ProcStat>();
        stack.Push(rootStat);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            tree.Add(p);
            foreach (var c in children[p.Pid])
            {
                stack.Push(c);
            }
        }

        return tree;
    }

    /// <summary>
    /// CPU ticks used so far by a process tree: each live process's own time plus the time of the children it has reaped.
    /// A child that exits between two readings moves its ticks into its parent's cutime/cstime, so the sum stays continuous.
    /// </summary>
    /// <param name="tree">The tree from <see cref="ReadTree"/>.</param>
    /// <returns>The ticks.</returns>
    public static long TreeTicks(IEnumerable<ProcStat> tree) => tree.Sum(p => p.TreeTicks);

    /// <summary>
    /// CPU ticks per thread of <paramref name="pid"/> from <c>/proc/&lt;pid&gt;/task/*/stat</c>, keyed by thread id and
    /// carrying the thread name (<c>comm</c>, e.g. <c>.NET TP Worker</c>), to show where a process spends its CPU.
    /// </summary>
    /// <param name="pid">The process id.</param>
    /// <returns>Thread id to (name, ticks).</returns>
    public static Dictionary<int, (string Name, long Ticks)> ReadThreads(int pid)
    {
        var threads = new Dictionary<int, (string Name, long Ticks)>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
            {
                try
                {
                    if (ParseStat(File.ReadAllText(Path.Combine(dir, "stat"))) is { } t)
                    {
                        threads[t.Pid] = (t.Name, t.OwnTicks);
                    }
                }
                catch (IOException)
                {
                    // The thread ended while we read.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process is gone.
        }

        return threads;
    }

    /// <summary>Reads a <c>kB</c> field (for example <c>VmRSS</c>, <c>VmHWM</c>) from <c>/proc/&lt;pid&gt;/status</c>.</summary>
    /// <param name="pid">The process id.</param>
    /// <param name="field">The field name without the colon.</param>
    /// <returns>The value in bytes, or <see langword="null"/> when unavailable.</returns>
    public static long? TryReadStatusBytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal) && line.Length > field.Length && line[field.Length] == ':')
                {
                    var value = line[(field.Length + 1)..].Trim();
                    var space = value.IndexOf(' ', StringComparison.Ordinal);
                    return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process is gone.
        }

        return null;
    }

    /// <summary>
    /// Reads a process's wake-up counters: context switches of each of its threads (voluntary: the thread blocked or slept;
    /// involuntary: it was preempted or yielded) and its read and write system calls (<c>/proc/PID/io</c>, all threads, the
    /// ended ones included).
    /// </summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The counters; empty when the process is gone or not readable.</returns>
    public static WakeUps ReadWakeUps(int pid)
    {
        var threads = new Dictionary<int, (long Voluntary, long Involuntary)>();
        long reads = 0, writes = 0;
        var root = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(root + "/task"))
            {
                try
                {
                    long voluntary = 0, involuntary = 0;
                    foreach (var line in File.ReadLines(Path.Combine(dir, "status")))
                    {
                        voluntary += Field(line, "voluntary_ctxt_switches:");
                        involuntary += Field(line, "nonvoluntary_ctxt_switches:");
                    }

                    threads[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (voluntary, involuntary);
                }
                catch (IOException)
                {
                    // The thread ended while we read.
                }
            }

            foreach (var line in File.ReadLines(root + "/io"))
            {
                reads += Field(line, "syscr:");
                writes += Field(line, "syscw:");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process is gone, or /proc/PID/io needs more rights than we have.
        }

        return new WakeUps(threads, reads, writes);

        static long Field(string line, string name) =>
            line.StartsWith(name, StringComparison.Ordinal) ? long.Parse(line.AsSpan(name.Length).Trim(), CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Reads a process's command line.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The arguments joined by spaces, or empty when the process is gone.</returns>
    public static string ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>Gets the 1-minute load average, as context for noisy figures.</summary>
    /// <returns>The load average, or <see langword="null"/>.</returns>
    public static double? LoadAverage1()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Gets the 1-, 5- and 15-minute load averages as <c>/proc/loadavg</c> shows them (e.g. <c>0.52 0.61 0.70</c>).</summary>
    /// <returns>The three figures, or <see langword="null"/>.</returns>
    public static string? LoadAverages()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(3));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Gets the whole machine's busy and total CPU ticks from <c>/proc/stat</c> (all cores), to show how busy the machine was.</summary>
    /// <returns>(busy, total) ticks.</returns>
    public static (long Busy, long Total) MachineTicks()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();

        // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already inside user.
        var total = values.Take(8).Sum();
        var idle = values[3] + values[4];
        return (total - idle, total);
    }

    private static double ReadTicksPerSecond()
    {
        try
        {
            using var getconf = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false });
            if (getconf is not null)
            {
                var text = getconf.StandardOutput.ReadToEnd();
                getconf.WaitForExit();
                if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var hz) && hz > 0)
                {
                    return hz;
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No getconf: Linux's USER_HZ is 100 on every mainstream architecture.
        }

        return 100;
    }
}

/// <summary>A process's wake-up counters at one instant (see <see cref="ProcFs.ReadWakeUps"/>).</summary>
/// <param name="Threads">Voluntary and involuntary context switches by thread id.</param>
/// <param name="ReadCalls">Read system calls (read, pread, readv, recv…).</param>
/// <param name="WriteCalls">Write system calls.</param>
internal sealed record WakeUps(IReadOnlyDictionary<int, (long Voluntary, long Involuntary)> Threads, long ReadCalls, long WriteCalls)
{
    /// <summary>
    /// Context switches from <paramref name="before"/> to this instant, summed over the threads alive now (a thread started
    /// in between counts from 0; one that ended in between is lost, which /proc cannot give, rather than subtracted).
    /// </summary>
    /// <param name="before">The earlier reading.</param>
    /// <returns>Voluntary and involuntary switches.</returns>
    public (long Voluntary, long Involuntary) SwitchesSince(WakeUps before)
    {
        long voluntary = 0, involuntary = 0;
        foreach (var (tid, now) in Threads)
        {
            var then = before.Threads.TryGetValue(tid, out var t) ? t : default;
            voluntary += now.Voluntary - then.Voluntary;
            involuntary += now.Involuntary - then.Involuntary;
        }

        return (voluntary, involuntary);
    }
}
