// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Vision.Alignment;

/// <summary>How face-like one detection is, after landmarks: the measures <see cref="FacePlausibility"/> judges.</summary>
/// <param name="IsFace">Whether the detection counts as a human face.</param>
/// <param name="ShapeResidual">RMS distance of the 68 landmarks from the mean human face shape after the best similarity
/// alignment (translation, rotation, uniform scale), in units of the mean shape's eye-centre distance.</param>
/// <param name="KeypointDisagreement">The mean distance between the detector's own eye, nose and mouth keypoints and the same
/// points of the landmarks, in units of the landmarks' eye-centre distance; 0 when the detector gives no keypoints.</param>
/// <param name="KeypointLimit">The largest disagreement accepted at this detector score.</param>
/// <param name="DetectorScore">The detector's score.</param>
public readonly record struct FacePlausibilityResult(bool IsFace, float ShapeResidual, float KeypointDisagreement, float KeypointLimit, float DetectorScore);

/// <summary>
/// Decides whether a detection with landmarks is a human face at all, before it may feed a baseline, a score or close the
/// face-not-visible alarm (issue 13 item 3).
/// </summary>
/// <remarks>
/// <para>
/// Two independent networks must agree on where the face's parts are. The detector (BlazeFace) finds its own eyes, nose tip
/// and mouth centre; the landmark model finds 68 points from the detector's box. On a face they land on the same places (the
/// landmarks' eye centres, nose tip 30 and inner-lip centre): a mean distance of 0.05–0.1 eye distances on photographs,
/// up to 0.57 on turned or stylised cartoon faces. On a fractal or a test pattern each model "sees" its own face and they
/// disagree: 0.42–1.0 over 1,600 <c>mandelbrot</c> frames. The detector score is the second witness: the fractal detections
/// scored 0.50–0.64, the cartoon faces 0.53–0.97. So the limit rises with the score:
/// <c>disagreement ≤ <see cref="KeypointBase"/> + <see cref="KeypointPerScore"/> × (score − 0.6)</c> (0.35 at 0.6, 0.7 at
/// 0.95), which kept 262 of 262 gate-passing faces of Megamind.avi and every frame of the demo clip, and accepted none of
/// the fractal detections (measured with <c>PlausibilityMeasurementTests</c>; README, "A face must be a face").
/// </para>
/// <para>
/// The landmark model always returns 68 points, and on noise they still look like a face (it regresses from the mean
/// shape): the shape residual did not separate fractals (at most 0.16) from cartoon faces (up to 0.28). It is kept only
/// as a limit against gross failures (<see cref="MaxShapeResidual"/>, 0.35). A detector without keypoints (Haar) is judged
/// on the shape alone, which is why BlazeFace is the default.
/// </para>
/// <para>Thread-safe: it holds only the mean shape.</para>
/// </remarks>
public sealed class FacePlausibility
{
    /// <summary>The quality issue reported for a detection that is not a face; the patient stage treats it as no face.</summary>
    public const string NotAFace = FaceAnalysis.NotAFace;

    /// <summary>The largest <see cref="FacePlausibilityResult.ShapeResidual"/> of a face.</summary>
    public const float MaxShapeResidual = 0.35f;

    /// <summary>The keypoint disagreement accepted at a detector score of 0.6.</summary>
    public const float KeypointBase = 0.35f;

    /// <summary>How much more disagreement each unit of detector score above 0.6 allows.</summary>
    public const float KeypointPerScore = 1.0f;

    private readonly PointF[] _mean;
    private readonly float _meanEyeDistance;

    /// <summary>Initializes a new instance of the <see cref="FacePlausibility"/> class.</summary>
    /// <param name="template">The alignment template: its points are the landmark model's mean shape.</param>
    public FacePlausibility(FaceTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        _mean = template.Points.ToArray();
        _meanEyeDistance = Face68.Distance(template.RightEye, template.LeftEye);
    }

    /// <summary>Returns the largest keypoint disagreement accepted at a detector score.</summary>
    /// <param name="score">The detector score.</param>
    /// <returns>The limit.</returns>
    public static float KeypointLimit(float score) => KeypointBase + (KeypointPerScore * (score - 0.6f));

    /// <summary>Measures and judges one detection.</summary>
    /// <param name="landmarks">Its 68 landmarks.</param>
    /// <param name="face">The detection (score, keypoints).</param>
    /// <returns>The verdict and the measures.</returns>
    public FacePlausibilityResult Evaluate(ReadOnlySpan<PointF> landmarks, DetectedFace face)
    {
        ArgumentNullException.ThrowIfNull(face);
        var residual = ShapeResidual(landmarks);
        var disagreement = KeypointDisagreement(landmarks, face.Keypoints);
        var limit = KeypointLimit(face.Score);
        var isFace = residual <= MaxShapeResidual && disagreement <= limit;
        return new FacePlausibilityResult(isFace, residual, disagreement, limit, face.Score);
    }

    /// <summary>The RMS landmark distance from the mean shape after similarity alignment, in mean eye-centre distances.</summary>
    /// <param name="landmarks">68 landmarks.</param>
    /// <returns>The residual; infinity for degenerate or non-finite landmarks.</returns>
    public float ShapeResidual(ReadOnlySpan<PointF> landmarks)
    {
        if (landmarks.Length < Face68.Count)
        {
            throw new ArgumentException($"Plausibility needs {Face68.Count} landmarks, got {landmarks.Length}.", nameof(landmarks));
        }

        SimilarityTransform t;
        try
        {
            t = SimilarityTransform.Fit(landmarks[..Face68.Count], _mean);
        }
        catch (ArgumentException)
        {
            return float.PositiveInfinity;
        }

        double sum = 0;
        for (var i = 0; i < Face68.Count; i++)
        {
            var d = Face68.Distance(t.Apply(landmarks[i]), _mean[i]);
            sum += d * d;
        }

        var rms = (float)(Math.Sqrt(sum / Face68.Count) / _meanEyeDistance);
        return float.IsFinite(rms) ? rms : float.PositiveInfinity;
    }

    /// <summary>The mean distance between the detector's keypoints and the landmarks' matching points, in eye-centre distances.</summary>
    /// <param name="landmarks">68 landmarks.</param>
    /// <param name="keypoints">BlazeFace's six keypoints (right eye, left eye, nose tip, mouth, ears), or none.</param>
    /// <returns>The disagreement; 0 with fewer than four keypoints.</returns>
    public static float KeypointDisagreement(ReadOnlySpan<PointF> landmarks, IReadOnlyList<PointF> keypoints)
    {
        ArgumentNullException.ThrowIfNull(keypoints);
        if (keypoints.Count < 4)
        {
            return 0;
        }

        var right = Face68.RightEyeCentre(landmarks);
        var left = Face68.LeftEyeCentre(landmarks);
        var eyes = Face68.Distance(right, left);
        if (!(eyes > 0))
        {
            return float.PositiveInfinity;
        }

        var mouth = new PointF((landmarks[62].X + landmarks[66].X) / 2, (landmarks[62].Y + landmarks[66].Y) / 2);
        var sum = Face68.Distance(keypoints[0], right) + Face68.Distance(keypoints[1], left)
            + Face68.Distance(keypoints[2], landmarks[Face68.NoseTip]) + Face68.Distance(keypoints[3], mouth);
        var result = sum / 4 / eyes;
        return float.IsFinite(result) ? result : float.PositiveInfinity;
    }
}
