// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Publishing;

namespace PainStream.Testing;

/// <summary>A detector that returns the faces it was given and records the image sizes it saw.</summary>
public sealed class FakeFaceDetector : IFaceDetector
{
    private readonly Func<int, int, IReadOnlyList<DetectedFace>> _faces;

    /// <summary>Initializes a new instance of the <see cref="FakeFaceDetector"/> class.</summary>
    /// <param name="faces">Faces to return for an image of the given width and height.</param>
    public FakeFaceDetector(Func<int, int, IReadOnlyList<DetectedFace>> faces) => _faces = faces;

    /// <summary>Gets the sizes of the images passed to <see cref="Detect"/>.</summary>
    public ConcurrentQueue<(int Width, int Height)> Seen { get; } = new();

    /// <summary>Gets or sets an exception to throw from the next calls.</summary>
    public Exception? Throw { get; set; }

    /// <inheritdoc/>
    public string Name => "fake";

    /// <inheritdoc/>
    public IReadOnlyList<DetectedFace> Detect(BgrImage image)
    {
        Seen.Enqueue((image.Width, image.Height));
        if (Throw is { } ex)
        {
            throw ex;
        }

        return _faces(image.Width, image.Height);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}

/// <summary>Records everything published, for unit tests of the stages.</summary>
public sealed class RecordingPublisher : IPainStreamPublisher
{
    /// <summary>Gets the camera statuses in publication order.</summary>
    public ConcurrentQueue<CameraStatus> Statuses { get; } = new();

    /// <summary>Gets the faces observations in publication order.</summary>
    public ConcurrentQueue<FaceObservation> Faces { get; } = new();

    /// <summary>Gets the stats in publication order.</summary>
    public ConcurrentQueue<PainStreamStats> Stats { get; } = new();

    /// <inheritdoc/>
    public void PublishCameraStatus(CameraStatus status) => Statuses.Enqueue(status);

    /// <summary>Gets the cameras removed, in order.</summary>
    public ConcurrentQueue<PainStream.Core.Frames.CameraId> Removed { get; } = new();

    /// <inheritdoc/>
    public void RemoveCamera(PainStream.Core.Frames.CameraId camera) => Removed.Enqueue(camera);

    /// <inheritdoc/>
    public void PublishFaces(FaceObservation observation) => Faces.Enqueue(observation);

    /// <inheritdoc/>
    public void PublishStats(PainStreamStats stats) => Stats.Enqueue(stats);
}

/// <summary>Records alert events and scores (unit tests of the patient stage; the MQTT tests use a real broker).</summary>
public sealed class RecordingAlertPublisher : PainStream.Core.Publishing.IAlertPublisher
{
    /// <summary>Gets the alert events in order.</summary>
    public ConcurrentQueue<PainStream.Core.Alerting.AlertEvent> Alerts { get; } = new();

    /// <summary>Gets the score reports in order.</summary>
    public ConcurrentQueue<PainStream.Core.Publishing.ScoreReport> Scores { get; } = new();

    /// <inheritdoc/>
    public ValueTask EnqueueAlertAsync(PainStream.Core.Alerting.AlertEvent alert, CancellationToken cancellationToken)
    {
        Alerts.Enqueue(alert);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public void PublishScore(PainStream.Core.Publishing.ScoreReport report) => Scores.Enqueue(report);
}

/// <summary>A patient scorer whose next score the test sets; records calls.</summary>
public sealed class ScriptedPatientScorer : PainStream.Core.Scoring.IPatientScorer
{
    /// <summary>Gets or sets the score returned for a face.</summary>
    public double Pspi { get; set; }

    /// <summary>Gets or sets an exception to throw from <see cref="Score"/>.</summary>
    public Exception? Throw { get; set; }

    /// <summary>Gets or sets why every face cannot be scored (e.g. <c>learning baseline</c>), or <see langword="null"/> to score.</summary>
    public string? CannotScoreReason { get; set; }

    /// <summary>Gets the number of baseline resets.</summary>
    public int Resets { get; private set; }

    /// <summary>Gets the number of saves.</summary>
    public int Saves { get; private set; }

    /// <summary>Gets the learn flags passed to <see cref="Score"/>, in order.</summary>
    public List<bool> LearnFlags { get; } = [];

    /// <inheritdoc/>
    public string Name => "scripted";

    /// <inheritdoc/>
    public bool IsReady => true;

    /// <inheritdoc/>
    public PainStream.Core.Alerting.ScoreSample Score(FaceAnalysis face, DateTimeOffset ts, bool learnBaseline)
    {
        LearnFlags.Add(learnBaseline);
        if (Throw is { } ex)
        {
            throw ex;
        }

        return (face.QualityIssue ?? CannotScoreReason) is { } issue ? PainStream.Core.Alerting.ScoreSample.CannotScore(issue) : new(Pspi, 1);
    }

    /// <inheritdoc/>
    public void NoFace(DateTimeOffset ts)
    {
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double>? Explain() => new Dictionary<string, double> { ["pspi"] = Pspi };

    /// <inheritdoc/>
    public ValueTask ResetBaselineAsync(CancellationToken cancellationToken)
    {
        Resets++;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask SaveAsync(CancellationToken cancellationToken)
    {
        Saves++;
        return ValueTask.CompletedTask;
    }
}

/// <summary>Hands out one <see cref="ScriptedPatientScorer"/> per bed and remembers them.</summary>
public sealed class ScriptedScorerFactory : PainStream.Core.Scoring.IPatientScorerFactory
{
    /// <summary>Gets the scorers by "camera/bed".</summary>
    public ConcurrentDictionary<string, ScriptedPatientScorer> Scorers { get; } = new();

    /// <inheritdoc/>
    public ValueTask<PainStream.Core.Scoring.IPatientScorer> CreateAsync(PainStream.Core.Frames.CameraId camera, string bed, CancellationToken cancellationToken) =>
        ValueTask.FromResult<PainStream.Core.Scoring.IPatientScorer>(Scorers.GetOrAdd($"{camera.Value}/{bed}", _ => new ScriptedPatientScorer()));
}

