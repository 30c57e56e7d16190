// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Core.Scoring;

/// <summary>
/// Scores aligned face crops with a learned model, batching faces of every camera into one inference run (the ONNX scorer).
/// The detect workers submit each scorable face's crop while they still hold it; the patient stage reads the result.
/// </summary>
/// <remarks>Thread-safe: every detect worker submits concurrently.</remarks>
public interface IFaceCropScorer
{
    /// <summary>Gets whether faces of <paramref name="camera"/> are scored from their crops (cheap: called per face).</summary>
    /// <param name="camera">The camera.</param>
    /// <returns><see langword="true"/> when the camera's scorer is a learned model.</returns>
    bool Scores(CameraId camera);

    /// <summary>Copies <paramref name="crop"/> and queues it for the camera's model; never blocks.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="crop">The aligned crop (valid only during the call: it is copied).</param>
    /// <returns>The pending result; it always completes, with a score or with the reason the face cannot be scored.</returns>
    PendingCropScore Submit(CameraId camera, BgrImage crop);
}

/// <summary>
/// The share of a class activation map's positive evidence that falls in each facial region of the aligned crop; the four
/// shares sum to 1.
/// </summary>
/// <param name="Brow">Brows and glabella (AU4).</param>
/// <param name="Eyes">Eyes and orbits (AU6/7, AU43).</param>
/// <param name="NoseUpperLip">Nose and upper lip (AU9/10).</param>
/// <param name="Mouth">Mouth.</param>
public readonly record struct FaceRegionShares(float Brow, float Eyes, float NoseUpperLip, float Mouth)
{
    /// <summary>The region names used in alert explanations, in field order.</summary>
    public static readonly IReadOnlyList<string> Names = ["brow", "eyes", "nose_upper_lip", "mouth"];

    /// <summary>Gets the shares by region name (allocates: per alert, not per frame).</summary>
    /// <returns>Region name → share.</returns>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [Names[0]] = Brow,
        [Names[1]] = Eyes,
        [Names[2]] = NoseUpperLip,
        [Names[3]] = Mouth,
    };
}

/// <summary>A learned model's result for one face crop.</summary>
/// <param name="Pspi">Expected PSPI, Σ p_k·value_k, 0–16.</param>
/// <param name="Confidence">The highest class probability after temperature scaling.</param>
/// <param name="PredictedClass">The most probable class.</param>
/// <param name="Regions">Where the predicted class's evidence lies (class activation map), or <see langword="null"/> when the model has no CAM outputs or no positive evidence.</param>
/// <param name="CannotScoreReason">Why the face has no score (e.g. the batch failed), or <see langword="null"/>.</param>
public readonly record struct CropScore(float Pspi, float Confidence, int PredictedClass, FaceRegionShares? Regions, string? CannotScoreReason = null)
{
    /// <summary>Gets a value indicating whether the crop was scored.</summary>
    public bool IsScorable => CannotScoreReason is null;

    /// <summary>
    /// Gets the confidence on the scale every scorer shares (<see cref="Alerting.ConfidenceScale"/>): the probability of the
    /// predicted class and its neighbours on the pain scale. <see cref="Confidence"/> stays the top class probability, which
    /// the evaluation's calibration figures are about. NaN when not set.
    /// </summary>
    public float ScaleConfidence { get; init; } = float.NaN;

    /// <summary>A crop that could not be scored.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The result.</returns>
    public static CropScore CannotScore(string reason) => new(float.NaN, 0, -1, null, reason);
}

/// <summary>
/// A crop score that is being computed: completed exactly once by the batch scorer, with a score or a reason. Carried by
/// <see cref="FaceAnalysis.CropScore"/> from the detect worker to the patient stage, which awaits <see cref="Completion"/>
/// before scoring the frame's faces.
/// </summary>
/// <remarks>Thread-safe. <see cref="Completion"/> never faults or cancels, so awaiting it needs no try/catch.</remarks>
public sealed class PendingCropScore
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CropScore _result;
    private int _completing;

    /// <summary>Gets a task that completes when the result is known.</summary>
    /// <remarks>
    /// VSTHRD003 is about tasks whose completion needs the awaiting context; this one is completed by the batch loop on the
    /// thread pool (continuations run asynchronously), and a worker has no SynchronizationContext.
    /// </remarks>
#pragma warning disable VSTHRD003 // See the remarks.
    public Task Completion => _done.Task;
#pragma warning restore VSTHRD003

    /// <summary>Waits for the result, at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="time">The clock of the timeout.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the result is known; <see langword="false"/> when the wait timed out.</returns>
    public async ValueTask<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (IsCompleted)
        {
            return true;
        }

        try
        {
#pragma warning disable VSTHRD003 // See Completion's remarks.
            await _done.Task.WaitAsync(timeout, time, cancellationToken);
#pragma warning restore VSTHRD003
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Gets a value indicating whether the result is known.</summary>
    public bool IsCompleted => _done.Task.IsCompleted;

    /// <summary>Gets the result, or a "cannot score" result while it is still pending.</summary>
    public CropScore Result => IsCompleted ? _result : CropScore.CannotScore(PendingReason);

    /// <summary>The reason reported for a result read before it is known.</summary>
    public const string PendingReason = "model result pending";

    /// <summary>Creates an already completed result.</summary>
    /// <param name="result">The result.</param>
    /// <returns>The completed pending score.</returns>
    public static PendingCropScore FromResult(CropScore result)
    {
        var pending = new PendingCropScore();
        pending.Complete(result);
        return pending;
    }

    /// <summary>Sets the result; only the first call counts.</summary>
    /// <param name="result">The result.</param>
    /// <returns><see langword="true"/> when this call completed it.</returns>
    public bool Complete(CropScore result)
    {
        if (Interlocked.Exchange(ref _completing, 1) != 0)
        {
            return false;
        }

        // Written before the task completes, and read only after it has (IsCompleted), so the reader sees it.
        _result = result;
        _done.SetResult();
        return true;
    }
}
