// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Running;
using PainStream.Benchmarks;

// Usage: PainStream.Benchmarks [--preset short|analysis|default|dry] [--provider cpu|cuda] [BenchmarkDotNet options, e.g. --filter '*Frame*']
//        PainStream.Benchmarks --batcher-latency [options: --batcher-latency --help]
//        PainStream.Benchmarks --capture-lifecycle [--rounds N]   (stop and offline wall-clock figures, real ffmpeg + RTSP)
//        PainStream.Benchmarks --tracking-drift [--clip FILE]... [--every 3,5,10] [--cascades 15,10] [--leaves quantized|exact] [--compare-leaves] [--seconds 60] [--out FILE.md]   (issue 14: landmark drift of tracking)
//        PainStream.Benchmarks --alloc-report TRACE.nettrace FRAMES [TOP]   (issue 14: the daemon's allocation sites, bench/syscalls/alloc-trace)
// The preset and the provider are ours; everything else goes to BenchmarkSwitcher unchanged. The provider (learned-model
// benchmarks only) travels to BenchmarkDotNet's child processes in an environment variable.
if (args.Length > 0 && args[0] == "--alloc-report")
{
    return AllocationReport.Run(args[1..]);
}

var preset = "default";
var latency = false;
var lifecycle = false;
var drift = false;
var rest = new List<string>(args.Length);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--preset" && i + 1 < args.Length)
    {
        preset = args[++i];
    }
    else if (args[i] == "--provider" && i + 1 < args.Length)
    {
        Environment.SetEnvironmentVariable(InferenceFixtures.ProviderVariable, args[++i]);
    }
    else if (args[i] == "--batcher-latency")
    {
        latency = true;
    }
    else if (args[i] == "--capture-lifecycle")
    {
        lifecycle = true;
    }
    else if (args[i] == "--tracking-drift")
    {
        drift = true;
    }
    else
    {
        rest.Add(args[i]);
    }
}

if (drift)
{
    using var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cts.Cancel();
    };
    return await TrackingDrift.RunAsync(rest, cts.Token);
}

if (lifecycle)
{
    using var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cts.Cancel();
    };
    try
    {
        return await CaptureLifecycle.RunAsync(rest, cts.Token);
    }
    catch (OperationCanceledException) when (cts.IsCancellationRequested)
    {
        return 130;
    }
}

if (latency)
{
    using var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cts.Cancel();
    };
    try
    {
        return await BatcherLatency.RunAsync(rest, cts.Token);
    }
    catch (OperationCanceledException) when (cts.IsCancellationRequested)
    {
        return 130;
    }
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Config).Assembly).Run([.. rest], Config.For(preset));
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
