// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;

namespace PainStream.LoadTool;

/// <summary>
/// N ffmpeg processes with exactly the capture arguments, their stdout read in whole frames and discarded: the cost floor of
/// the pipeline for the same streams. CPU is the ffmpeg processes' utime + stime from <c>/proc</c>.
/// </summary>
internal static class DecodeOnlyScenario
{
    /// <summary>Runs the scenario.</summary>
    /// <param name="options">The tool's options.</param>
    /// <param name="size">The source size.</param>
    /// <param name="clip">The clip every camera plays.</param>
    /// <param name="cameras">The number of cameras.</param>
    /// <param name="children">Where started processes are registered.</param>
    /// <param name="cancellationToken">Stops the run (Ctrl-C).</param>
    /// <returns>The figures.</returns>
    public static async Task<ScenarioResult> RunAsync(LoadOptions options, SourceSize size, string clip, int cameras, ChildProcesses children, CancellationToken cancellationToken)
    {
        var frameBytes = options.FrameBytes;
        var counts = new long[cameras];
        var processes = new List<Process>(cameras);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readers = new List<Task>(cameras);
        try
        {
            for (var i = 0; i < cameras; i++)
            {
                var info = new ProcessStartInfo(options.Ffmpeg)
                {
                    UseShellExecute = false,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                foreach (var a in CaptureArguments.For(clip, options.Fps, options.Analysis, options.Keyframes, options.PixelFormat))
                {
                    info.ArgumentList.Add(a);
                }

                var p = children.Start(info);
                processes.Add(p);
                var index = i;
                readers.Add(ReadFramesAsync(p.StandardOutput.BaseStream, frameBytes, counts, index, stop.Token));
                readers.Add(DrainAsync(p.StandardError, stop.Token));
            }

            await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken);

            var pids = processes.Select(p => p.Id).ToArray();
            var before = Snapshot(pids, counts);
            var clock = Stopwatch.StartNew();
            double ffmpegRssPeak = 0;
            while (clock.Elapsed.TotalSeconds < options.Seconds)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, options.Seconds - clock.Elapsed.TotalSeconds + 0.001)), cancellationToken);
                ffmpegRssPeak = Math.Max(ffmpegRssPeak, pids.Sum(pid => ProcFs.TryReadStatusBytes(pid, "VmRSS") ?? 0) / 1048576.0);
                if (processes.Exists(p => p.HasExited))
                {
                    throw new InvalidOperationException("An ffmpeg process exited during the decode-only run.");
                }
            }

            var after = Snapshot(pids, counts);
            var window = clock.Elapsed.TotalSeconds;
            var hz = ProcFs.TicksPerSecond;
            var ffmpegCpu = (after.FfmpegTicks - before.FfmpegTicks) / hz;
            var selfCpu = (after.SelfTicks - before.SelfTicks) / hz;
            var machineBusy = (after.Machine.Busy - before.Machine.Busy) / hz;
            var perCamera = new List<CameraResult>(cameras);
            for (var i = 0; i < cameras; i++)
            {
                var frames = after.Counts[i] - before.Counts[i];
                var fps = frames / window;
                perCamera.Add(new CameraResult(
                    string.Create(CultureInfo.InvariantCulture, $"cam{i + 1}"), frames, frames, 0, fps, 0, fps >= options.TargetFps * options.MinFpsRatio));
            }

            var captured = perCamera.Sum(c => c.Captured);
            return new ScenarioResult
            {
                Kind = "decode",
                Source = size.ToString(),
                Cameras = cameras,
                WindowSeconds = window,
                PerCamera = perCamera,
                FramesCaptured = captured,
                FramesProcessed = captured,
                CpuSeconds = ffmpegCpu,
                FfmpegCpuSeconds = ffmpegCpu,
                HostCpuSeconds = selfCpu,
                CpuMsPerFrame = captured > 0 ? ffmpegCpu * 1000 / captured : double.NaN,
                CoresUsed = ffmpegCpu / window,
                OtherCoresBusy = Math.Max(0, (machineBusy - ffmpegCpu - selfCpu) / window),
                FfmpegRssMiB = ffmpegRssPeak,
                AllHeld = perCamera.TrueForAll(c => c.Held),
            };
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var p in processes)
            {
                await children.StopAsync(p, graceful: false, TimeSpan.Zero);
            }

            try
            {
                await Task.WhenAll(readers);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The pipes close as the processes die.
            }

            foreach (var p in processes)
            {
                p.Dispose();
            }
        }
    }

    private static (long[] Counts, long FfmpegTicks, long SelfTicks, (long Busy, long Total) Machine) Snapshot(int[] pids, long[] counts)
    {
        var ticks = pids.Sum(pid => ProcFs.TryReadStat(pid)?.OwnTicks ?? 0);
        var self = ProcFs.TryReadStat(Environment.ProcessId)?.OwnTicks ?? 0;
        var snapshot = new long[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            snapshot[i] = Interlocked.Read(ref counts[i]);
        }

        return (snapshot, ticks, self, ProcFs.MachineTicks());
    }

    private static async Task ReadFramesAsync(Stream stdout, int frameBytes, long[] counts, int index, CancellationToken cancellationToken)
    {
        var buffer = new byte[frameBytes];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await stdout.ReadExactlyAsync(buffer, cancellationToken);
                Interlocked.Increment(ref counts[index]);
            }
        }
        catch (EndOfStreamException)
        {
            // ffmpeg exited; the scenario notices and fails.
        }
    }

    private static async Task DrainAsync(StreamReader stderr, CancellationToken cancellationToken)
    {
        // ffmpeg blocks when its stderr pipe fills, so it is read even though -loglevel error keeps it nearly empty.
        while (await stderr.ReadLineAsync(cancellationToken) is not null)
        {
        }
    }
}
