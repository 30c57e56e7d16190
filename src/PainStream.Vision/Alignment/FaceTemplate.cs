// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Vision.Alignment;

/// <summary>
/// The canonical face that <see cref="FaceAligner"/> maps every face onto: 68 points in the coordinates of a square
/// output image of <see cref="Size"/> pixels.
/// </summary>
/// <remarks>
/// <para>
/// The shape is dlib's own mean shape, the starting shape of the 68-point model's cascade (the average iBUG 300-W
/// training face, mirror-symmetric because dlib trains on mirrored copies too). It is the shape the landmarks the aligner
/// receives come from, so it needs no separate data file and fits dlib's landmarks better than a template from another
/// annotation convention would. It is rotated and scaled so that its eye centres (the means of points 36–41 and 42–47)
/// lie exactly on a horizontal line at <see cref="EyeLineFraction"/> of the height, at <see cref="RightEyeXFraction"/> and
/// <see cref="LeftEyeXFraction"/> of the width: the eye centres are 0.30·<see cref="Size"/> apart, and the whole face from
/// the brows (about 0.27·Size) to the chin (about 0.93·Size) and jaw to jaw (0.16–0.84·Size) fits in with a margin, so a
/// lowered jaw or a brow pulled up still stays inside the crop.
/// </para>
/// <para>
/// Fractions refer to continuous coordinates over the output square [0, Size]; points are stored in pixel coordinates
/// with pixel centres on integers (dlib's and OpenCV's convention), so a fraction f becomes f·Size − 0.5.
/// </para>
/// <para>Immutable and thread-safe; share one per output size.</para>
/// </remarks>
public sealed class FaceTemplate
{
    /// <summary>The eye centres' height as a fraction of the output size.</summary>
    public const float EyeLineFraction = 0.38f;

    /// <summary>The subject's right eye centre (on the image's left) as a fraction of the output width.</summary>
    public const float RightEyeXFraction = 0.35f;

    /// <summary>The subject's left eye centre (on the image's right) as a fraction of the output width.</summary>
    public const float LeftEyeXFraction = 0.65f;

    /// <summary>The smallest output size accepted.</summary>
    public const int MinSize = 32;

    /// <summary>The largest output size accepted.</summary>
    public const int MaxSize = 1024;

    private readonly PointF[] _points;

    private FaceTemplate(int size, PointF[] points)
    {
        Size = size;
        _points = points;
        RightEye = ToPixel(RightEyeXFraction, EyeLineFraction, size);
        LeftEye = ToPixel(LeftEyeXFraction, EyeLineFraction, size);
    }

    /// <summary>Gets the output image's width and height in pixels.</summary>
    public int Size { get; }

    /// <summary>Gets the 68 template points in output pixel coordinates.</summary>
    public ReadOnlySpan<PointF> Points => _points;

    /// <summary>Gets where the subject's right eye centre goes: (<see cref="RightEyeXFraction"/>, <see cref="EyeLineFraction"/>)·Size − 0.5.</summary>
    public PointF RightEye { get; }

    /// <summary>Gets where the subject's left eye centre goes: (<see cref="LeftEyeXFraction"/>, <see cref="EyeLineFraction"/>)·Size − 0.5.</summary>
    public PointF LeftEye { get; }

    /// <summary>Builds the template from the mean shape of a 68-point dlib model.</summary>
    /// <param name="model">The 68-point shape predictor model whose mean shape is the template.</param>
    /// <param name="size">The output size in pixels, <see cref="MinSize"/> to <see cref="MaxSize"/>.</param>
    /// <returns>The template.</returns>
    /// <exception cref="ArgumentException">The model does not have 68 landmarks.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is out of range.</exception>
    public static FaceTemplate FromModel(ShapePredictorModel model, int size)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.LandmarkCount != Face68.Count)
        {
            throw new ArgumentException($"The face template needs a {Face68.Count}-point model; '{model.Path}' has {model.LandmarkCount} points.", nameof(model));
        }

        return FromMeanShape(model.InitialShape, size);
    }

    /// <summary>Builds the template from a 68-point mean shape, x0 y0 x1 y1 … in any coordinates.</summary>
    /// <param name="meanShape">136 coordinates.</param>
    /// <param name="size">The output size in pixels.</param>
    /// <returns>The template.</returns>
    internal static FaceTemplate FromMeanShape(ReadOnlySpan<float> meanShape, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, MinSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        if (meanShape.Length != 2 * Face68.Count)
        {
            throw new ArgumentException($"A 68-point mean shape has {2 * Face68.Count} coordinates, not {meanShape.Length}.", nameof(meanShape));
        }

        var shape = new PointF[Face68.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = new PointF(meanShape[2 * i], meanShape[(2 * i) + 1]);
        }

        var place = SimilarityTransform.FromTwoPoints(
            Face68.RightEyeCentre(shape),
            Face68.LeftEyeCentre(shape),
            ToPixel(RightEyeXFraction, EyeLineFraction, size),
            ToPixel(LeftEyeXFraction, EyeLineFraction, size));
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = place.Apply(shape[i]);
        }

        return new FaceTemplate(size, shape);
    }

    private static PointF ToPixel(float fx, float fy, int size) => new((fx * size) - 0.5f, (fy * size) - 0.5f);
}
