// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;

namespace PainStream.Benchmarks;

/// <summary>
/// The configuration every PainStream benchmark runs under: always the memory diagnoser (the allocation budget is the
/// point of these benchmarks), and the exporters <c>bench/check-budget</c> and <c>bench/results/</c> read.
/// </summary>
/// <remarks>
/// Presets: <see cref="Short"/> for CI-like runs on a shared 2-core machine (allocation figures are exact, timings are
/// indicative), <see cref="Analysis"/> for a careful run on a quiet machine. Choose one with <c>--preset short|analysis|default|dry</c>.
/// </remarks>
public class Config : ManualConfig
{
    public Config()
    {
        AddLogger(ConsoleLogger.Default);
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddExporter(MarkdownExporter.GitHub, CsvExporter.Default, JsonExporter.Full);
        AddColumn(StatisticColumn.P95);
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
    }

    /// <summary>Creates the preset named on the command line.</summary>
    /// <param name="name"><c>short</c>, <c>analysis</c> or <c>default</c>.</param>
    /// <returns>The configuration.</returns>
    public static Config For(string name) => name.ToUpperInvariant() switch
    {
        "SHORT" => new Short(),
        "ANALYSIS" => new Analysis(),
        "DEFAULT" => new Default(),
        "DRY" => new Dry(),
        _ => throw new ArgumentException($"Unknown preset '{name}' (short, analysis, default, dry).", nameof(name)),
    };

    /// <summary>BenchmarkDotNet's default job, with the shared diagnosers and exporters.</summary>
    internal sealed class Default : Config
    {
        public Default() => AddJob(Job.Default);
    }

    /// <summary>
    /// One launch, 3 warm-ups, 5 measured iterations: enough for exact allocation figures and rough timings in about a
    /// tenth of the default job's time. This is what <c>bench/run</c> and CI use.
    /// </summary>
    internal sealed class Short : Config
    {
        public Short() => AddJob(Job.ShortRun.WithIterationCount(5).WithId("Short"));
    }

    /// <summary>One iteration of one operation: checks that every benchmark sets up and runs (a smoke test, not a measurement).</summary>
    internal sealed class Dry : Config
    {
        public Dry() => AddJob(Job.Dry.WithId("Dry"));
    }

    /// <summary>Three launches and more iterations, for comparing two implementations on a quiet machine.</summary>
    internal sealed class Analysis : Config
    {
        public Analysis()
        {
            AddJob(Job.Default.WithLaunchCount(3).WithId("Analysis"));
            AddDiagnoser(ThreadingDiagnoser.Default);
        }
    }
}
