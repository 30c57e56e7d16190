// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Alerting;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Hosting.History;

namespace PainStream.Benchmarks;

/// <summary>
/// The tuning tools (issue 11) over 72 h of one bed at the demo's 5 frames a second (1 296 000 samples and 259 200 timer
/// ticks, a 30 s pain episode every 10 minutes), stored by the daemon's <see cref="ScoreHistoryStore"/>:
/// <list type="bullet">
/// <item><description><c>ReadAndReplay72h</c>: what <c>/api/replay</c> and <c>painstream replay</c> do: read the period from SQLite,
/// re-run the alert machine, fold the episodes.</description></item>
/// <item><description><c>Replay72hInMemory</c>: the replay alone, on samples already read.</description></item>
/// </list>
/// The history file's size is printed at set-up (bytes per bed per day).
/// </summary>
public class ReplayBenchmarks
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Period = TimeSpan.FromHours(72);
    private readonly CameraId _camera = new("ward-1");
    private string _directory = string.Empty;
    private string _path = string.Empty;
    private List<RecordedSample> _samples = [];

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("painstream-replay-bench-").FullName;
        _path = Path.Combine(_directory, "history.db");
        using (var store = new ScoreHistoryStore(_path, new HistoryOptions { MaxSamples = 500_000_000 }, TimeProvider.System, NullLogger<ScoreHistoryStore>.Instance))
        {
            store.Open();
            var random = new Random(1);
            var nextTick = 0.5;
            var pending = 0;
            for (var t = 0.0; t < Period.TotalSeconds; t += 0.2)
            {
                for (; nextTick <= t; nextTick++)
                {
                    store.RecordTick(_camera, "bed-1", Start.AddSeconds(nextTick));
                    pending++;
                }

                var inPain = t % 600 is > 300 and < 330;
                var sample = random.NextDouble() < 0.05 ? ScoreSample.CannotScore("no face") : new ScoreSample((inPain ? 7 : 0.5) + random.NextDouble(), 0.9);
                store.RecordSample(_camera, "bed-1", Start.AddSeconds(t), sample, null, PainAlertState.Idle);
                if (++pending >= 150_000)
                {
                    store.Flush();
                    pending = 0;
                }
            }

            store.Flush();
        }

        var bytes = new FileInfo(_path).Length + (File.Exists(_path + "-wal") ? new FileInfo(_path + "-wal").Length : 0);
        Console.WriteLine($"// history of one bed, 72 h at 5 fps: {bytes / 1e6:0.0} MB, {bytes / 3 / 1e6:0.0} MB per bed per day");
        _samples = ScoreHistoryStore.ReadSamples(_path, "ward-1", "bed-1", Start, Start + Period, ticks: true).ConvertAll(s => s.ToRecorded());
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark]
    public int ReadAndReplay72h()
    {
        var samples = ScoreHistoryStore.ReadSamples(_path, "ward-1", "bed-1", Start, Start + Period, ticks: true).ConvertAll(s => s.ToRecorded());
        return AlertReplay.Episodes(AlertReplay.Run(_camera, "bed-1", AlertPolicy.Default, samples)).Count;
    }

    [Benchmark]
    public int Replay72hInMemory() => AlertReplay.Episodes(AlertReplay.Run(_camera, "bed-1", AlertPolicy.Default, _samples)).Count;
}
