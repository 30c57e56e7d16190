// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Vision.Alignment;

/// <summary>
/// Aligns a face to a <see cref="FaceTemplate"/>: fits the least-squares similarity transform from the face's 68
/// landmarks to the template and warps the face into a square crop it owns.
/// </summary>
/// <remarks>
/// <para>
/// <b>Which points and which fit.</b> The transform is the closed-form least-squares similarity (Umeyama 1991; in 2-D
/// the SVD solution reduces to two sums, <see cref="SimilarityTransform.Fit"/>) from the twelve eye landmarks (36–47) to
/// the template's. The eyes are the landmarks dlib's model places most reliably, and the template is defined by its eye
/// centres, so an eye fit lands the eye centres within 0.32 px of the template on every fixture face (112-pixel crop),
/// where adding the nose left them up to 3.3 px off and fitting all 68 points up to 7 px (faces whose proportions differ
/// from the human mean shape, such as the animated Megamind faces, pull such fits around). Brows, mouth and jaw stay
/// out for a second reason: they are what the pain scorer measures (brow lowering, lip raising, jaw drop), and the crop
/// should not move with the expression it is meant to show. The lids do take part: closing both eyes fully moves the
/// eye centroid down by about a third of the lid travel, about 1 px in a 112-pixel crop. Compared with
/// <c>cv::estimateAffinePartial2D</c> the closed form is deterministic (no RANSAC sampling; twelve landmarks from one
/// regressor have no gross outliers to reject), exact for a least-squares fit, and needs no managed allocation.
/// </para>
/// <para>
/// <b>Warp.</b> <c>cv::warpAffine</c>, bilinear, border replicate (a face at the frame edge repeats its edge pixels
/// instead of turning black, which would read as a dark, sharp edge to the quality gate and the scorer).
/// </para>
/// <para>
/// <b>Threading and memory.</b> Not thread-safe: an aligner owns one output buffer that every
/// <see cref="Align(FrameImage, ReadOnlySpan{PointF})"/> call overwrites, so use one aligner per worker thread. After construction a call makes no managed
/// allocation.
/// </para>
/// </remarks>
public sealed class FaceAligner
{
    /// <summary>The default output size, in pixels.</summary>
    public const int DefaultSize = 112;

    // Both eyes, six points each (see the remarks).
    private static readonly byte[] FitIndices = [36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47];

    private readonly FaceTemplate _template;
    private readonly PointF[] _templateFitPoints;
    private readonly byte[] _pixels;
    private readonly byte[] _planes;

    /// <summary>Initializes a new instance of the <see cref="FaceAligner"/> class.</summary>
    /// <param name="template">The template to align to; its <see cref="FaceTemplate.Size"/> is the crop size.</param>
    public FaceAligner(FaceTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        _template = template;
        _templateFitPoints = new PointF[FitIndices.Length];
        for (var i = 0; i < FitIndices.Length; i++)
        {
            _templateFitPoints[i] = template.Points[FitIndices[i]];
        }

        _pixels = new byte[template.Size * template.Size * 3];
        _planes = new byte[template.Size * template.Size * 3];
    }

    /// <summary>Gets the template faces are aligned to.</summary>
    public FaceTemplate Template => _template;

    /// <summary>Gets the crop's width and height in pixels.</summary>
    public int Size => _template.Size;

    /// <summary>Fits the source-to-template similarity for a face's landmarks without warping any pixels.</summary>
    /// <param name="landmarks">The 68 landmarks, in source pixel coordinates.</param>
    /// <returns>The transform from source pixel coordinates to crop pixel coordinates.</returns>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks, or they are degenerate (all at one point, not finite).</exception>
    public SimilarityTransform Fit(ReadOnlySpan<PointF> landmarks)
    {
        if (landmarks.Length < Face68.Count)
        {
            ThrowTooFewLandmarks(landmarks.Length, nameof(landmarks));
        }

        Span<PointF> source = stackalloc PointF[FitIndices.Length];
        for (var i = 0; i < FitIndices.Length; i++)
        {
            source[i] = landmarks[FitIndices[i]];
        }

        return SimilarityTransform.Fit(source, _templateFitPoints);
    }

    /// <summary>Aligns one face.</summary>
    /// <param name="image">The source image the landmarks were found in.</param>
    /// <param name="landmarks">The face's 68 landmarks in <paramref name="image"/>'s pixel coordinates (iBUG 300-W order).</param>
    /// <returns>The aligned face; its <see cref="AlignedFace.Image"/> is valid until this aligner's next call.</returns>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks, or they are degenerate (all at one point, not finite).</exception>
    public AlignedFace Align(BgrImage image, ReadOnlySpan<PointF> landmarks) => Align((FrameImage)image, landmarks);

    /// <summary>
    /// Aligns one face of a frame in either pixel layout. For I420 the Y, U and V planes are warped into the crop one by one
    /// and only the crop is converted to BGR.
    /// </summary>
    /// <param name="image">The source image the landmarks were found in.</param>
    /// <param name="landmarks">The face's 68 landmarks in <paramref name="image"/>'s pixel coordinates (iBUG 300-W order).</param>
    /// <returns>The aligned face; its <see cref="AlignedFace.Image"/> is valid until this aligner's next call.</returns>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks, or they are degenerate (all at one point, not finite).</exception>
    public AlignedFace Align(FrameImage image, ReadOnlySpan<PointF> landmarks)
    {
        var transform = Fit(landmarks);
        var size = _template.Size;
        if (image.Format == FramePixelFormat.I420)
        {
            // Each plane is warped straight into the crop (no region of the frame is converted): luma by the face's
            // transform, chroma by the same transform after mapping chroma sample (i, j) to its luma centre (2i + ½, 2j + ½).
            // Only the crop's size² pixels are then turned into BGR, as ffmpeg's bgr24 conversion would.
            var area = size * size;
            NativeImaging.WarpAffine(image.Y, transform, _planes.AsSpan(0, area), size, size, size, InterpolationFlags.Linear, BorderTypes.Replicate);
            var chroma = new SimilarityTransform(
                2 * transform.A,
                2 * transform.B,
                transform.Tx + (0.5 * transform.A) - (0.5 * transform.B),
                transform.Ty + (0.5 * transform.B) + (0.5 * transform.A));
            NativeImaging.WarpAffine(image.U, chroma, _planes.AsSpan(area, area), size, size, size, InterpolationFlags.Linear, BorderTypes.Replicate);
            NativeImaging.WarpAffine(image.V, chroma, _planes.AsSpan(2 * area, area), size, size, size, InterpolationFlags.Linear, BorderTypes.Replicate);
            I420Pixels.ToBgr(_planes.AsSpan(0, area), _planes.AsSpan(area, area), _planes.AsSpan(2 * area, area), _pixels);
        }
        else
        {
            NativeImaging.WarpAffine(image.Bgr, transform, _pixels, size, size, size * 3, InterpolationFlags.Linear, BorderTypes.Replicate);
        }

        return new AlignedFace(
            transform,
            transform.Apply(Face68.RightEyeCentre(landmarks)),
            transform.Apply(Face68.LeftEyeCentre(landmarks)),
            Face68.OuterCornerDistance(landmarks),
            new BgrImage(_pixels, size, size, size * 3));
    }

    private static void ThrowTooFewLandmarks(int count, string paramName) =>
        throw new ArgumentException($"Alignment needs {Face68.Count} landmarks, got {count}.", paramName);
}
