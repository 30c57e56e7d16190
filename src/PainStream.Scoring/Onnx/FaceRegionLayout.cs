// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Scoring;

namespace PainStream.Scoring.Onnx;

/// <summary>
/// The four facial regions of the aligned crop that a class activation map is summarised into (brow, eyes, nose/upper lip,
/// mouth), defined once from the alignment template's 68 landmark positions, as a label per crop pixel.
/// </summary>
/// <remarks>
/// <para>Boxes, in crop pixels (iBUG 300-W indices; "brow line" = mean y of 17–26, "upper lids" = 37, 38, 43, 44,
/// "lower lids" = 40, 41, 46, 47, mouth width mw = x54 − x48):</para>
/// <list type="bullet">
/// <item><b>eyes</b> (AU6/7 orbit tightening, AU43 closure): around each eye (36–41, 42–47), widened by 40 % of the eye's
/// width on both sides, from halfway between the brow line and the upper lids down to the nose-bridge point 29 (the upper
/// cheek, where the cheek raiser shows).</item>
/// <item><b>brow</b> (AU4 lowering, glabella furrows): the brows' width (17–26), from half the brow-to-eye gap above the
/// highest brow point down to the eyes' top edge.</item>
/// <item><b>nose_upper_lip</b> (AU9 nose wrinkle, AU10 lip raise): between the mouth corners (48, 54) widened by 10 % of mw,
/// from the nose root (27) down to halfway between the upper lip's top (51) and its inner edge (62).</item>
/// <item><b>mouth</b>: mouth corners widened by 15 % of mw, from there down to halfway between the lower lip (57) and the
/// chin (8).</item>
/// </list>
/// <para>Where boxes overlap, the earlier one in that list wins (the nose bridge between the eyes is nose, not eyes, because
/// the eye boxes stop at each eye's inner corner plus margin). Pixels in no box (forehead, jaw, cheeks, background) count for
/// no region: the shares say where the evidence on the face lies, not how much of it is on the face.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class FaceRegionLayout
{
    /// <summary>No region.</summary>
    internal const byte None = 255;

    private const int RegionCount = 4;
    private const int Brow = 0;
    private const int Eyes = 1;
    private const int NoseUpperLip = 2;
    private const int Mouth = 3;

    private readonly byte[] _labels;

    private FaceRegionLayout(int size, byte[] labels)
    {
        Size = size;
        _labels = labels;
    }

    /// <summary>Gets the crop side in pixels.</summary>
    public int Size { get; }

    /// <summary>Builds the layout from the alignment template's landmark positions.</summary>
    /// <param name="templatePoints">The template's 68 points in crop pixel coordinates.</param>
    /// <param name="size">The crop side in pixels.</param>
    /// <returns>The layout.</returns>
    public static FaceRegionLayout FromTemplate(ReadOnlySpan<PointF> templatePoints, int size)
    {
        if (templatePoints.Length < 68)
        {
            throw new ArgumentException($"The template needs 68 points, got {templatePoints.Length}.", nameof(templatePoints));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(size, 8);
        var p = templatePoints;
        var browLine = MeanY(p, Face68.RightBrowOuter, Face68.LeftBrowOuter);
        var browTop = MinY(p, Face68.RightBrowOuter, Face68.LeftBrowOuter);
        var upperLids = (p[Face68.RightUpperLidOuter].Y + p[Face68.RightUpperLidInner].Y + p[Face68.LeftUpperLidInner].Y + p[Face68.LeftUpperLidOuter].Y) / 4;
        var browEye = (browLine + upperLids) / 2;
        var gap = upperLids - browLine;
        var mouthWidth = p[Face68.LeftMouthCorner].X - p[Face68.RightMouthCorner].X;
        var lip = (p[Face68.UpperLipTop].Y + p[Face68.UpperInnerLipMiddle].Y) / 2;
        var boxes = new (int Region, float X0, float Y0, float X1, float Y1)[]
        {
            EyeBox(p, Face68.RightEyeOuter, Face68.RightLowerLidOuter, browEye, p[Face68.NoseBridgeLower].Y),
            EyeBox(p, Face68.LeftEyeInner, Face68.LeftLowerLidInner, browEye, p[Face68.NoseBridgeLower].Y),
            (Brow, MinX(p, Face68.RightBrowOuter, Face68.LeftBrowOuter), browTop - (gap / 2), MaxX(p, Face68.RightBrowOuter, Face68.LeftBrowOuter), browEye),
            (NoseUpperLip, p[Face68.RightMouthCorner].X - (0.10f * mouthWidth), p[Face68.NoseRoot].Y, p[Face68.LeftMouthCorner].X + (0.10f * mouthWidth), lip),
            (Mouth, p[Face68.RightMouthCorner].X - (0.15f * mouthWidth), lip, p[Face68.LeftMouthCorner].X + (0.15f * mouthWidth), p[Face68.LowerLipBottom].Y + ((p[Face68.Chin].Y - p[Face68.LowerLipBottom].Y) / 2)),
        };

        var labels = new byte[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var label = None;
                foreach (var box in boxes)
                {
                    if (x >= box.X0 && x <= box.X1 && y >= box.Y0 && y <= box.Y1)
                    {
                        label = (byte)box.Region;
                        break;
                    }
                }

                labels[(y * size) + x] = label;
            }
        }

        return new FaceRegionLayout(size, labels);
    }

    /// <summary>Gets the region of a crop pixel (0 brow, 1 eyes, 2 nose/upper lip, 3 mouth, 255 none).</summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row.</param>
    /// <returns>The region label.</returns>
    public int RegionAt(int x, int y) => _labels[(y * Size) + x];

    /// <summary>
    /// Precomputes, for a feature map of <paramref name="height"/>×<paramref name="width"/> cells over the crop, the fraction
    /// of each cell's pixels that lie in each region.
    /// </summary>
    /// <param name="height">Feature map rows.</param>
    /// <param name="width">Feature map columns.</param>
    /// <returns>The grid.</returns>
    public RegionGrid ForGrid(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var weights = new float[RegionCount * height * width];
        var counts = new int[height * width];
        for (var y = 0; y < Size; y++)
        {
            var cy = y * height / Size;
            for (var x = 0; x < Size; x++)
            {
                var cell = (cy * width) + (x * width / Size);
                counts[cell]++;
                var label = _labels[(y * Size) + x];
                if (label != None)
                {
                    weights[(label * height * width) + cell]++;
                }
            }
        }

        for (var r = 0; r < RegionCount; r++)
        {
            for (var cell = 0; cell < counts.Length; cell++)
            {
                weights[(r * counts.Length) + cell] /= Math.Max(1, counts[cell]);
            }
        }

        return new RegionGrid(height, width, weights);
    }

    private static (int, float, float, float, float) EyeBox(ReadOnlySpan<PointF> p, int first, int last, float top, float bottom)
    {
        var x0 = MinX(p, first, last);
        var x1 = MaxX(p, first, last);
        var margin = 0.4f * (x1 - x0);
        return (Eyes, x0 - margin, top, x1 + margin, bottom);
    }

    private static float MeanY(ReadOnlySpan<PointF> p, int first, int last)
    {
        var sum = 0f;
        for (var i = first; i <= last; i++)
        {
            sum += p[i].Y;
        }

        return sum / (last - first + 1);
    }

    private static float MinY(ReadOnlySpan<PointF> p, int first, int last)
    {
        var v = float.MaxValue;
        for (var i = first; i <= last; i++)
        {
            v = Math.Min(v, p[i].Y);
        }

        return v;
    }

    private static float MinX(ReadOnlySpan<PointF> p, int first, int last)
    {
        var v = float.MaxValue;
        for (var i = first; i <= last; i++)
        {
            v = Math.Min(v, p[i].X);
        }

        return v;
    }

    private static float MaxX(ReadOnlySpan<PointF> p, int first, int last)
    {
        var v = float.MinValue;
        for (var i = first; i <= last; i++)
        {
            v = Math.Max(v, p[i].X);
        }

        return v;
    }
}

/// <summary>The regions' share of each cell of a feature map grid over the aligned crop.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class RegionGrid
{
    private readonly float[] _weights;

    internal RegionGrid(int height, int width, float[] weights)
    {
        Height = height;
        Width = width;
        _weights = weights;
    }

    /// <summary>Gets the grid's rows.</summary>
    public int Height { get; }

    /// <summary>Gets the grid's columns.</summary>
    public int Width { get; }

    /// <summary>
    /// Summarises a class activation map: the positive part of each cell, spread over the regions by the cell's pixel
    /// fractions, as shares of the total that falls on the four regions.
    /// </summary>
    /// <param name="cam">The map, <see cref="Height"/>·<see cref="Width"/> values, row-major.</param>
    /// <returns>The shares (summing to 1), or <see langword="null"/> when no positive evidence falls on any region.</returns>
    public FaceRegionShares? Summarise(ReadOnlySpan<float> cam)
    {
        var cells = Height * Width;
        if (cam.Length < cells)
        {
            throw new ArgumentException($"The map has {cam.Length} values; the grid has {cells} cells.", nameof(cam));
        }

        Span<double> mass = stackalloc double[4];
        mass.Clear();
        for (var cell = 0; cell < cells; cell++)
        {
            var v = cam[cell];
            if (!(v > 0))
            {
                continue; // Negative (or NaN) evidence speaks against the class: not a region that "drives the score".
            }

            for (var r = 0; r < 4; r++)
            {
                mass[r] += v * _weights[(r * cells) + cell];
            }
        }

        var total = mass[0] + mass[1] + mass[2] + mass[3];
        if (!(total > 0) || !double.IsFinite(total))
        {
            return null;
        }

        return new FaceRegionShares((float)(mass[0] / total), (float)(mass[1] / total), (float)(mass[2] / total), (float)(mass[3] / total));
    }
}
