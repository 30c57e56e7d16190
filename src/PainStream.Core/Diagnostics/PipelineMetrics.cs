// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;

namespace PainStream.Core.Diagnostics;

/// <summary>The pipeline's instruments. Counters are observed from <see cref="CameraRegistry"/>, so there is one source of truth.</summary>
public sealed class PipelineMetrics
{
    private readonly Histogram<double> _detectDuration;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _stageErrors;
    private readonly Counter<long> _alertEvents;
    private readonly Counter<long> _faces;
    private readonly Histogram<int> _detectBatchSize;

    /// <summary>Initializes a new instance of the <see cref="PipelineMetrics"/> class.</summary>
    /// <param name="meterFactory">Creates the meter.</param>
    /// <param name="cameras">The per-camera counters.</param>
    /// <param name="pool">The frame pool.</param>
    public PipelineMetrics(IMeterFactory meterFactory, CameraRegistry cameras, FramePool pool)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);

        // We don't dispose the meter: IMeterFactory owns it and disposes it with the container.
#pragma warning disable CA2000
        var meter = meterFactory.Create(PainStreamInstruments.MeterName);
#pragma warning restore CA2000
        _detectDuration = meter.CreateHistogram(
            PainStreamInstruments.DetectDuration,
            unit: "s",
            description: "Face detection time per frame.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512] });
        _latency = meter.CreateHistogram(
            PainStreamInstruments.PipelineLatency,
            unit: "s",
            description: "Time from frame capture to the end of detection.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _stageErrors = meter.CreateCounter<long>(PainStreamInstruments.StageErrors, description: "Items a stage failed on and skipped.");
        _alertEvents = meter.CreateCounter<long>(PainStreamInstruments.AlertEvents, description: "Alert episode events raised (new, update, end) by reason.");
        _detectBatchSize = meter.CreateHistogram(
            PainStreamInstruments.DetectBatchSize,
            unit: "{image}",
            description: "Images (frame tiles) per face detector batch call.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64] });
        _faces = meter.CreateCounter<long>(PainStreamInstruments.FacesAnalysed, description: "Faces analysed, by source: detected in the frame or tracked from the previous one.");

        meter.CreateObservableCounter(PainStreamInstruments.FramesCaptured, () => Observe(cameras, static c => c.Captured), description: "Frames read from ffmpeg.");
        meter.CreateObservableCounter(PainStreamInstruments.FramesDropped, () => Observe(cameras, static c => c.Dropped), description: "Frames dropped before detection because it could not keep up.");
        meter.CreateObservableCounter(PainStreamInstruments.FramesProcessed, () => Observe(cameras, static c => c.Processed), description: "Frames through detection.");
        meter.CreateObservableCounter(PainStreamInstruments.CameraReconnects, () => Observe(cameras, static c => c.Reconnects), description: "Capture process restarts.");
        meter.CreateObservableGauge(PainStreamInstruments.CameraUp, () => Observe(cameras, static c => (long)c.Up), description: "1 when the camera delivers frames.");
        meter.CreateObservableGauge(PainStreamInstruments.CameraKeyframeInterval, () => ObserveKeyframeInterval(cameras), unit: "s", description: "Measured keyframe interval (cameras in keyframes decode mode).");
        meter.CreateObservableGauge(PainStreamInstruments.FramesOutstanding, () => pool.Outstanding, description: "Frame buffers rented and not yet returned.");
    }

    /// <summary>Records one detection.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="duration">Detection time.</param>
    /// <param name="latency">Capture-to-detected latency.</param>
    public void RecordDetect(CameraId camera, TimeSpan duration, TimeSpan latency)
    {
        var tag = new KeyValuePair<string, object?>(PainStreamInstruments.CameraTag, camera.Value);
        _detectDuration.Record(duration.TotalSeconds, tag);
        _latency.Record(latency.TotalSeconds, tag);
    }

    /// <summary>Records the size of one face detector batch call.</summary>
    /// <param name="images">The images (frame tiles) it took.</param>
    public void RecordDetectBatch(int images) => _detectBatchSize.Record(images);

    /// <summary>Counts the faces analysed in one frame.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="count">Faces analysed.</param>
    /// <param name="source">Whether the detector found them or they were followed from the previous frame.</param>
    public void RecordFaces(CameraId camera, int count, FaceSource source)
    {
        if (count > 0)
        {
            _faces.Add(
                count,
                new KeyValuePair<string, object?>(PainStreamInstruments.CameraTag, camera.Value),
                new KeyValuePair<string, object?>("source", source == FaceSource.Tracked ? "tracked" : "detected"));
        }
    }

    /// <summary>Counts an item a stage failed on.</summary>
    /// <param name="stage">The stage name.</param>
    public void RecordStageError(string stage) => _stageErrors.Add(1, new KeyValuePair<string, object?>("stage", stage));

    /// <summary>Counts an alert episode event.</summary>
    /// <param name="alert">The event.</param>
    public void RecordAlert(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        _alertEvents.Add(
            1,
            new KeyValuePair<string, object?>(PainStreamInstruments.CameraTag, alert.Camera.Value),
            new KeyValuePair<string, object?>("type", AlertNames.Type(alert.Type)),
            new KeyValuePair<string, object?>("reason", AlertNames.Reason(alert.Reason)));
    }

    private static IEnumerable<Measurement<double>> ObserveKeyframeInterval(CameraRegistry cameras)
    {
        foreach (var id in cameras.Cameras)
        {
            if (cameras.Find(id)?.KeyframeIntervalSeconds is { } seconds)
            {
                yield return new Measurement<double>(seconds, new KeyValuePair<string, object?>(PainStreamInstruments.CameraTag, id.Value));
            }
        }
    }

    private static IEnumerable<Measurement<long>> Observe(CameraRegistry cameras, Func<CameraCounters, long> value)
    {
        foreach (var id in cameras.Cameras)
        {
            // Find, not Get: a camera removed since the key list was taken must not be re-created by a scrape.
            if (cameras.Find(id) is { } counters)
            {
                yield return new Measurement<long>(value(counters), new KeyValuePair<string, object?>(PainStreamInstruments.CameraTag, id.Value));
            }
        }
    }
}
