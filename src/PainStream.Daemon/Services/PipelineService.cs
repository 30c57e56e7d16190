// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Scoring.Onnx;

namespace PainStream.Daemon.Services;

/// <summary>
/// Runs the pipeline stages after capture: detect (several workers) and the faces report. On shutdown — after capture has
/// stopped, because the host stops services in reverse order of registration — it completes the frame channel, lets the
/// stages drain what is queued, and returns every pooled frame.
/// </summary>
internal sealed class PipelineService : BackgroundService
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly PipelineChannels _channels;
    private readonly DetectStage _detect;
    private readonly FacesReportStage _report;
    private readonly PatientStage _patients;
    private readonly DetectionOptions _detection;
    private readonly FramePool _pool;
    private readonly LearnedScorers? _learned;
    private readonly ILogger<PipelineService> _logger;
    private readonly CancellationTokenSource _abort = new();

    public PipelineService(
        PipelineChannels channels,
        DetectStage detect,
        FacesReportStage report,
        PatientStage patients,
        DetectionOptions detection,
        FramePool pool,
        ILogger<PipelineService> logger,
        LearnedScorers? learned = null)
    {
        _learned = learned;
        _patients = patients;
        _channels = channels;
        _detect = detect;
        _report = report;
        _detection = detection;
        _pool = pool;
        _logger = logger;
    }

    /// <summary>Gets a value indicating whether the stages are running (for the systemd watchdog and readiness).</summary>
    public bool IsRunning { get; private set; }

    /// <summary>
    /// Whether the pipeline is alive: running, and either nothing waits for detection or a frame finished detection within
    /// <paramref name="within"/>. A detector stuck in native code, or a stage blocked forever, fails this.
    /// </summary>
    /// <param name="within">How recent the last progress must be.</param>
    /// <returns><see langword="true"/> when healthy.</returns>
    public bool IsProgressing(TimeSpan within) => IsRunning && (_channels.FrameReader.Count == 0 || _detect.SinceLastProgress < within);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Capture has stopped: no new frame will come. Let detection finish what is queued, then stop.
        _channels.FrameWriter.TryComplete();
        var running = ExecuteTask;
        if (running is not null)
        {
            var drained = await Task.WhenAny(running, Task.Delay(DrainTimeout, cancellationToken)) == running;
            if (!drained)
            {
                await _abort.CancelAsync();
            }
        }

        await base.StopAsync(cancellationToken);
        var disposed = _channels.DrainAndDispose();
        _logger.PipelineStopped(disposed, _pool.Outstanding);
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The stages stop when their input completes (graceful drain) or when StopAsync gives up waiting (_abort).
        // stoppingToken is deliberately not used for them, so queued frames are still processed on SIGTERM.
        IsRunning = true;
        try
        {
            // The learned models' batch loops outlive both stages: the patient stage awaits the scores of every queued face.
            using var stopModels = new CancellationTokenSource();
            var models = _learned?.RunAsync(stopModels.Token) ?? Task.CompletedTask;
            try
            {
                var detect = _detect.RunAsync(_channels.FrameReader, _channels.ObservationWriter, _detection.Workers, _abort.Token);
                var report = _patients.RunAsync(_channels.ObservationReader, _report, _abort.Token);
                await Task.WhenAll(detect, report);
            }
            finally
            {
                await stopModels.CancelAsync();
                await models;
            }
        }
        finally
        {
            IsRunning = false;
        }
    }
}
