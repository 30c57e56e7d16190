// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using PainStream.Core.Diagnostics;

namespace PainStream.Scoring.Onnx;

/// <summary>Instruments of the learned models' batch loops (per batch, never per-face tags).</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class OnnxScoringMetrics
{
    /// <summary>The outcome tag of a face that got a score.</summary>
    public const string Scored = "scored";

    /// <summary>The outcome tag of a face whose batch failed.</summary>
    public const string Failed = "failed";

    /// <summary>The outcome tag of a face turned away because the queue was full.</summary>
    public const string Overloaded = "overloaded";

    /// <summary>The outcome tag of a face answered "scorer stopped".</summary>
    public const string Stopped = "stopped";

    private readonly Histogram<double> _duration;
    private readonly Histogram<int> _size;
    private readonly Counter<long> _faces;

    /// <summary>Initializes a new instance of the <see cref="OnnxScoringMetrics"/> class.</summary>
    /// <param name="meterFactory">Creates the PainStream meter.</param>
    public OnnxScoringMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);

        // We don't dispose the meter: IMeterFactory owns it and disposes it with the container.
#pragma warning disable CA2000
        var meter = meterFactory.Create(PainStreamInstruments.MeterName);
#pragma warning restore CA2000
        _duration = meter.CreateHistogram(
            PainStreamInstruments.InferenceBatchDuration,
            unit: "s",
            description: "Learned-model batch time: tensor prep, session run and post-processing.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256] });
        _size = meter.CreateHistogram(
            PainStreamInstruments.InferenceBatchSize,
            unit: "{face}",
            description: "Faces per learned-model batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
        _faces = meter.CreateCounter<long>(PainStreamInstruments.InferenceFaces, description: "Faces submitted to a learned model, by outcome.");
    }

    /// <summary>Records one batch.</summary>
    /// <param name="model">The model name.</param>
    /// <param name="size">Faces in the batch.</param>
    /// <param name="duration">How long it took.</param>
    /// <param name="ok">Whether the batch ran (otherwise its faces failed).</param>
    public void RecordBatch(string model, int size, TimeSpan duration, bool ok)
    {
        var tag = new KeyValuePair<string, object?>(PainStreamInstruments.ModelTag, model);
        _duration.Record(duration.TotalSeconds, tag);
        _size.Record(size, tag);
        _faces.Add(size, tag, new KeyValuePair<string, object?>("outcome", ok ? Scored : Failed));
    }

    /// <summary>Records faces answered without a batch (queue full, scorer stopped).</summary>
    /// <param name="model">The model name.</param>
    /// <param name="outcome"><see cref="Overloaded"/> or <see cref="Stopped"/>.</param>
    public void RecordTurnedAway(string model, string outcome) =>
        _faces.Add(1, new KeyValuePair<string, object?>(PainStreamInstruments.ModelTag, model), new KeyValuePair<string, object?>("outcome", outcome));
}
