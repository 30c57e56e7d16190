// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Options;

namespace PainStream.Vision.Alignment;

/// <summary>
/// Decides whether an aligned face can be scored: big enough, facing the camera, exposed and sharp enough.
/// </summary>
/// <remarks>
/// <para>
/// Checks run in a fixed order and the first failure is the reason: size, head pose, too dark, overexposed, blurred.
/// Exposure comes before blur on purpose: a dark or washed-out face also loses its Laplacian energy, and "too dark" tells
/// the integrator what to fix where "image blurred" would not.
/// </para>
/// <para>
/// The image measurements are taken on the inner face of the crop, <see cref="MeasurementRegion"/>: brows to mouth and
/// between the cheeks of the <see cref="FaceTemplate"/>, so background, hair and clothing at the crop's edges do not count.
/// Grey is OpenCV's BGR→grey (0.114 B + 0.587 G + 0.299 R, 14-bit fixed point, rounded) and the Laplacian is
/// <c>cv::Laplacian</c> with <c>ksize = 1</c> (the 4-neighbour kernel), whose neighbours all lie inside the crop.
/// </para>
/// <para>Thread-safe and allocation-free: it holds only a copy of the thresholds.</para>
/// </remarks>
public sealed class FaceQualityGate
{
    /// <summary>Reason: the inter-ocular distance is below <see cref="FaceQualityOptions.MinInterOcularPixels"/>.</summary>
    public const string FaceTooSmall = "face too small";

    /// <summary>Reason: |yaw| or |pitch| is beyond its limit, or no pose could be estimated.</summary>
    public const string HeadTurnedAway = "head turned away";

    /// <summary>Reason: the variance of the Laplacian is below <see cref="FaceQualityOptions.MinSharpness"/>.</summary>
    public const string ImageBlurred = "image blurred";

    /// <summary>Reason: the mean brightness is below <see cref="FaceQualityOptions.MinBrightness"/>.</summary>
    public const string TooDark = "too dark";

    /// <summary>Reason: the mean brightness or the clipped fraction is above its limit.</summary>
    public const string Overexposed = "overexposed";

    /// <summary>The grey level from which a pixel counts as clipped white.</summary>
    public const int ClippedGreyLevel = 250;

    // The inner face of the FaceTemplate as fractions of the crop: x from 0.28 to 0.72 (the jaw is at 0.28 even at mouth
    // height), y from 0.26 (just above the brows, 0.27) to 0.80 (below the lower lip, 0.77; the chin is at 0.93).
    private const float RegionLeft = 0.28f;
    private const float RegionRight = 0.72f;
    private const float RegionTop = 0.26f;
    private const float RegionBottom = 0.80f;

    // OpenCV's fixed-point BGR→grey coefficients (imgproc/src/color.hpp, yuv_shift = 14).
    private const int GreyB = 1868;
    private const int GreyG = 9617;
    private const int GreyR = 4899;
    private const int GreyShift = 14;

    private readonly float _minInterOcular;
    private readonly float _maxYaw;
    private readonly float _maxPitch;
    private readonly float _minSharpness;
    private readonly float _minBrightness;
    private readonly float _maxBrightness;
    private readonly float _maxClipped;

    /// <summary>Initializes a new instance of the <see cref="FaceQualityGate"/> class.</summary>
    /// <param name="options">The thresholds, copied: later changes to the object do not affect this gate.</param>
    /// <exception cref="ArgumentException">The minimum brightness is not below the maximum.</exception>
    public FaceQualityGate(FaceQualityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.MinBrightness < options.MaxBrightness))
        {
            throw new ArgumentException("MinBrightness must be less than MaxBrightness.", nameof(options));
        }

        _minInterOcular = (float)options.MinInterOcularPixels;
        _maxYaw = (float)options.MaxYawDegrees;
        _maxPitch = (float)options.MaxPitchDegrees;
        _minSharpness = (float)options.MinSharpness;
        _minBrightness = (float)options.MinBrightness;
        _maxBrightness = (float)options.MaxBrightness;
        _maxClipped = (float)options.MaxClippedFraction;
    }

    /// <summary>Returns the inner-face rectangle of a square crop of <paramref name="size"/> pixels that the image checks measure.</summary>
    /// <param name="size">The crop size.</param>
    /// <returns>The rectangle, inside the crop with at least one pixel to spare on every side.</returns>
    public static PixelRect MeasurementRegion(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, FaceTemplate.MinSize);
        var left = (int)MathF.Round(RegionLeft * size);
        var top = (int)MathF.Round(RegionTop * size);
        return new PixelRect(left, top, (int)MathF.Round(RegionRight * size) - left, (int)MathF.Round(RegionBottom * size) - top);
    }

    /// <summary>Evaluates a face aligned by <see cref="FaceAligner"/>.</summary>
    /// <param name="face">The aligned face.</param>
    /// <param name="pose">Its head pose, or <see langword="null"/> when none could be estimated (fails as <see cref="HeadTurnedAway"/>).</param>
    /// <returns>The verdict and the measured values.</returns>
    public FaceQuality Evaluate(in AlignedFace face, HeadPoseEstimate? pose) => Evaluate(face.Image, pose, face.InterOcularPixels);

    /// <summary>Evaluates an aligned face crop.</summary>
    /// <param name="alignedFace">The square aligned crop (see <see cref="FaceTemplate"/>), at least <see cref="FaceTemplate.MinSize"/> pixels.</param>
    /// <param name="pose">The head pose, or <see langword="null"/> when none could be estimated (fails as <see cref="HeadTurnedAway"/>).</param>
    /// <param name="interOcularPixels">The inter-ocular distance (outer eye corners) in source pixels.</param>
    /// <returns>The verdict and the measured values.</returns>
    /// <exception cref="ArgumentException">The crop is not square or smaller than <see cref="FaceTemplate.MinSize"/>.</exception>
    public FaceQuality Evaluate(BgrImage alignedFace, HeadPoseEstimate? pose, float interOcularPixels)
    {
        if (alignedFace.Width != alignedFace.Height || alignedFace.Width < FaceTemplate.MinSize)
        {
            ThrowNotACrop(alignedFace.Width, alignedFace.Height, nameof(alignedFace));
        }

        Measure(alignedFace, out var sharpness, out var brightness, out var clipped);
        var p = pose.GetValueOrDefault();
        string? reason = null;
        if (!(interOcularPixels >= _minInterOcular))
        {
            reason = FaceTooSmall;
        }
        else if (pose is null || !(MathF.Abs(p.YawDegrees) <= _maxYaw) || !(MathF.Abs(p.PitchDegrees) <= _maxPitch))
        {
            reason = HeadTurnedAway;
        }
        else if (brightness < _minBrightness)
        {
            reason = TooDark;
        }
        else if (brightness > _maxBrightness || clipped > _maxClipped)
        {
            reason = Overexposed;
        }
        else if (sharpness < _minSharpness)
        {
            reason = ImageBlurred;
        }

        return new FaceQuality(reason is null, reason, interOcularPixels, p, sharpness, brightness, clipped);
    }

    /// <summary>Measures the inner face of an aligned crop.</summary>
    /// <param name="alignedFace">The square crop.</param>
    /// <param name="sharpness">Variance of the Laplacian of the grey inner face.</param>
    /// <param name="meanBrightness">Mean grey level of the inner face.</param>
    /// <param name="clippedFraction">Fraction of inner-face pixels at <see cref="ClippedGreyLevel"/> or above.</param>
    internal static void Measure(BgrImage alignedFace, out float sharpness, out float meanBrightness, out float clippedFraction)
    {
        var region = MeasurementRegion(alignedFace.Width);
        long sum = 0, lapSum = 0, lapSquares = 0;
        var clipped = 0;
        for (var y = region.Y; y < region.Y + region.Height; y++)
        {
            var above = alignedFace.GetRow(y - 1);
            var row = alignedFace.GetRow(y);
            var below = alignedFace.GetRow(y + 1);
            for (var x = region.X; x < region.X + region.Width; x++)
            {
                var g = Grey(row, x);
                sum += g;
                if (g >= ClippedGreyLevel)
                {
                    clipped++;
                }

                long lap = Grey(above, x) + Grey(below, x) + Grey(row, x - 1) + Grey(row, x + 1) - (4 * g);
                lapSum += lap;
                lapSquares += lap * lap;
            }
        }

        double n = region.Width * region.Height;
        var mean = lapSum / n;
        sharpness = (float)((lapSquares / n) - (mean * mean));
        meanBrightness = (float)(sum / n);
        clippedFraction = (float)(clipped / n);
    }

    private static int Grey(ReadOnlySpan<byte> row, int x)
    {
        var i = 3 * x;
        return ((row[i] * GreyB) + (row[i + 1] * GreyG) + (row[i + 2] * GreyR) + (1 << (GreyShift - 1))) >> GreyShift;
    }

    private static void ThrowNotACrop(int width, int height, string paramName) =>
        throw new ArgumentException($"The quality gate takes a square aligned crop of at least {FaceTemplate.MinSize} pixels, not {width}x{height}.", paramName);
}
