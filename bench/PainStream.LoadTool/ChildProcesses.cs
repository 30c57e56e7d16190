// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Diagnostics;

namespace PainStream.LoadTool;

/// <summary>
/// Every process the tool starts, so that each one (and its descendants) is stopped when a scenario ends, when the tool
/// fails, and on Ctrl-C or SIGTERM.
/// </summary>
/// <remarks>Thread-safe: scenarios start processes while a signal handler may be stopping them.</remarks>
internal sealed class ChildProcesses : IDisposable
{
    private readonly ConcurrentDictionary<int, Process> _live = new();

    /// <summary>Starts a process and registers it.</summary>
    /// <param name="info">What to start; output redirection is the caller's choice.</param>
    /// <returns>The started process.</returns>
    public Process Start(ProcessStartInfo info)
    {
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        _live[process.Id] = process;
        return process;
    }

    /// <summary>
    /// Stops a process: SIGTERM first when <paramref name="graceful"/> (so the daemon reaps its own ffmpeg children), then
    /// SIGKILL to the whole tree after <paramref name="grace"/>. Descendants that outlive their parent are killed too.
    /// </summary>
    /// <param name="process">The process.</param>
    /// <param name="graceful">Whether to ask with SIGTERM first.</param>
    /// <param name="grace">How long to wait for a graceful exit.</param>
    /// <returns>The number of descendants that were still running after the parent exited and had to be killed.</returns>
    public async Task<int> StopAsync(Process process, bool graceful, TimeSpan grace)
    {
        int pid;
        try
        {
            pid = process.Id;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }

        var descendants = ProcFs.ReadTree(pid).Where(p => p.Pid != pid).ToList();
        try
        {
            if (!process.HasExited)
            {
                if (graceful)
                {
                    _ = NativeMethods.Kill(pid, NativeMethods.SigTerm);
                    using var timeout = new CancellationTokenSource(grace);
                    try
                    {
                        await process.WaitForExitAsync(timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // It did not stop in time: kill below.
                    }
                }

                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _live.TryRemove(pid, out _);
        }

        // Children the parent should have reaped: same pid and start time as when we saw them under the parent.
        var leftovers = 0;
        foreach (var d in descendants)
        {
            if (ProcFs.TryReadStat(d.Pid) is { } now && now.StartTicks == d.StartTicks)
            {
                leftovers++;
                try
                {
                    using var orphan = Process.GetProcessById(d.Pid);
                    orphan.Kill(entireProcessTree: true);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Exited meanwhile.
                }
            }
        }

        return leftovers;
    }

    /// <summary>Kills every registered process tree at once (Ctrl-C, failure, exit).</summary>
    public void KillAll()
    {
        foreach (var (pid, process) in _live)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }

            _live.TryRemove(pid, out _);
            process.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => KillAll();
}
