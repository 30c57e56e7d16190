// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Vision.Alignment;

/// <summary>
/// One face aligned by <see cref="FaceAligner.Align(FrameImage, ReadOnlySpan{PointF})"/>: the transform, where the eyes landed, the face size in the source
/// and a view of the aligned pixels.
/// </summary>
/// <remarks>
/// A <see langword="ref"/> struct because <see cref="Image"/> is a view of the aligner's reused buffer: it is valid until
/// the same aligner's next <see cref="FaceAligner.Align(FrameImage, ReadOnlySpan{PointF})"/> call and cannot be stored. Copy the pixels out (for example
/// into a pooled buffer for the scorer) when the face has to outlive that.
/// </remarks>
public readonly ref struct AlignedFace
{
    /// <summary>Initializes a new instance of the <see cref="AlignedFace"/> struct.</summary>
    /// <param name="transform">The source-to-crop transform.</param>
    /// <param name="rightEye">The subject's right eye centre in the crop.</param>
    /// <param name="leftEye">The subject's left eye centre in the crop.</param>
    /// <param name="interOcularPixels">The outer-eye-corner distance in the source image.</param>
    /// <param name="image">The aligned pixels.</param>
    public AlignedFace(SimilarityTransform transform, PointF rightEye, PointF leftEye, float interOcularPixels, BgrImage image)
    {
        Transform = transform;
        RightEye = rightEye;
        LeftEye = leftEye;
        InterOcularPixels = interOcularPixels;
        Image = image;
    }

    /// <summary>Gets the similarity that maps source-image pixel coordinates to crop pixel coordinates (the 2×3 matrix given to <c>cv::warpAffine</c>).</summary>
    public SimilarityTransform Transform { get; }

    /// <summary>Gets the subject's right eye centre (mean of landmarks 36–41) mapped into the crop.</summary>
    public PointF RightEye { get; }

    /// <summary>Gets the subject's left eye centre (mean of landmarks 42–47) mapped into the crop.</summary>
    public PointF LeftEye { get; }

    /// <summary>
    /// Gets the inter-ocular distance in source pixels: the outer eye corners |p36 − p45|, the same measure the geometric
    /// scorer normalises by, so a minimum face size means the same thing to the quality gate and to the scorer.
    /// </summary>
    public float InterOcularPixels { get; }

    /// <summary>Gets the aligned BGR24 crop, <see cref="FaceTemplate.Size"/> pixels square.</summary>
    public BgrImage Image { get; }
}
