// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.CompilerServices;

namespace PainStream.Core.Detection;

/// <summary>
/// A small grey picture of a face's inner region in its aligned crop (<see cref="Side"/> × <see cref="Side"/> box means), kept
/// so that a face followed between detections can be checked to still be the same picture (issue 14 follow-up: a followed box
/// on background still yields a plausible 68-point shape, so only the appearance tells that the face jumped away or left).
/// </summary>
/// <remarks>
/// <para>
/// An inline buffer (256 bytes held in the struct itself): carried in <see cref="FaceAnalysis.Signature"/> and by
/// <c>Pipeline.FaceFollower</c> without an allocation of its own. <see langword="default"/> is <see cref="IsEmpty"/>: an
/// analyser that computes none (a fake, a face that was not aligned) disables the appearance check for that face.
/// </para>
/// <para>
/// <see cref="Similarity"/> is the zero-mean normalised cross-correlation of two signatures (1: the same picture up to
/// brightness and contrast; about 0: unrelated). The box means over a few crop pixels each blur away noise and the small
/// motion of brows, lids and lips, so a grimace of the same face stays well above what background in the box gives.
/// </para>
/// </remarks>
public readonly struct FaceSignature : IEquatable<FaceSignature>
{
    /// <summary>The signature's width and height in cells.</summary>
    public const int Side = 16;

    /// <summary>The number of cells.</summary>
    public const int Length = Side * Side;

    // OpenCV's fixed-point BGR→grey coefficients (as the quality gate's).
    private const int GreyB = 1868;
    private const int GreyG = 9617;
    private const int GreyR = 4899;
    private const int GreyShift = 14;

    private readonly CellBuffer _cells;
    private readonly bool _set;

    private FaceSignature(in CellBuffer cells)
    {
        _cells = cells;
        _set = true;
    }

    /// <summary>Gets a value indicating whether no signature was computed (the appearance check does not apply).</summary>
    public bool IsEmpty => !_set;

    /// <summary>Gets the grey cells, row by row (empty when <see cref="IsEmpty"/>).</summary>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ReadOnlySpan<byte> Cells => _set ? (ReadOnlySpan<byte>)_cells : ReadOnlySpan<byte>.Empty;

    /// <summary>Computes the signature of a region of a BGR image (the inner face of an aligned crop).</summary>
    /// <param name="image">The aligned crop.</param>
    /// <param name="region">The region to summarise; at least <see cref="Side"/> pixels each way, inside the image.</param>
    /// <returns>The mean grey level of each of the <see cref="Side"/> × <see cref="Side"/> cells the region is cut into.</returns>
    /// <exception cref="ArgumentException">The region is smaller than <see cref="Side"/> or not inside the image.</exception>
    public static FaceSignature Compute(BgrImage image, PixelRect region)
    {
        if (region.Width < Side || region.Height < Side || region.X < 0 || region.Y < 0
            || region.X + region.Width > image.Width || region.Y + region.Height > image.Height)
        {
            ThrowBadRegion(region, image.Width, image.Height);
        }

        Span<int> sums = stackalloc int[Length];
        sums.Clear();
        Span<int> columnCell = stackalloc int[region.Width];
        Span<int> columnCount = stackalloc int[Side];
        columnCount.Clear();
        for (var x = 0; x < region.Width; x++)
        {
            var cell = x * Side / region.Width;
            columnCell[x] = cell;
            columnCount[cell]++;
        }

        Span<int> rowCount = stackalloc int[Side];
        rowCount.Clear();
        for (var y = 0; y < region.Height; y++)
        {
            var cellRow = y * Side / region.Height;
            rowCount[cellRow]++;
            var row = image.GetRow(region.Y + y).Slice(region.X * 3, region.Width * 3);
            var cellSums = sums.Slice(cellRow * Side, Side);
            for (var x = 0; x < region.Width; x++)
            {
                var i = 3 * x;
                cellSums[columnCell[x]] += ((row[i] * GreyB) + (row[i + 1] * GreyG) + (row[i + 2] * GreyR) + (1 << (GreyShift - 1))) >> GreyShift;
            }
        }

        var cells = default(CellBuffer);
        for (var r = 0; r < Side; r++)
        {
            for (var c = 0; c < Side; c++)
            {
                var n = rowCount[r] * columnCount[c];
                cells[(r * Side) + c] = (byte)((sums[(r * Side) + c] + (n / 2)) / n);
            }
        }

        return new FaceSignature(cells);
    }

    /// <summary>Makes a signature from its cells (tests, tools).</summary>
    /// <param name="cells"><see cref="Length"/> grey levels, row by row.</param>
    /// <returns>The signature.</returns>
    /// <exception cref="ArgumentException">Not <see cref="Length"/> cells.</exception>
    public static FaceSignature FromCells(ReadOnlySpan<byte> cells)
    {
        if (cells.Length != Length)
        {
            throw new ArgumentException($"A face signature has {Length} cells, not {cells.Length}.", nameof(cells));
        }

        var buffer = default(CellBuffer);
        cells.CopyTo(buffer);
        return new FaceSignature(buffer);
    }

    /// <summary>
    /// The zero-mean normalised cross-correlation of two signatures, from −1 to 1; <see cref="float.NaN"/> when either is
    /// empty. A flat signature (no contrast: a black or uniform patch) correlates with nothing and gives 0.
    /// </summary>
    /// <param name="a">One signature.</param>
    /// <param name="b">The other.</param>
    /// <returns>The correlation.</returns>
    public static float Similarity(in FaceSignature a, in FaceSignature b)
    {
        if (a.IsEmpty || b.IsEmpty)
        {
            return float.NaN;
        }

        ReadOnlySpan<byte> x = a._cells;
        ReadOnlySpan<byte> y = b._cells;
        long sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (var i = 0; i < Length; i++)
        {
            int p = x[i], q = y[i];
            sx += p;
            sy += q;
            sxx += p * p;
            syy += q * q;
            sxy += p * q;
        }

        // n² times the covariance and the variances, exact in integers.
        var cov = (Length * sxy) - (sx * sy);
        var vx = (Length * sxx) - (sx * sx);
        var vy = (Length * syy) - (sy * sy);

        // Below one grey level of standard deviation (n² · 1): no contrast to compare.
        const long Flat = (long)Length * Length;
        if (vx < Flat || vy < Flat)
        {
            return 0;
        }

        return (float)(cov / Math.Sqrt((double)vx * vy));
    }

    /// <inheritdoc/>
    public bool Equals(FaceSignature other) => _set == other._set && Cells.SequenceEqual(other.Cells);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FaceSignature other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Cells);
        return hash.ToHashCode();
    }

    /// <summary>Whether two signatures are equal.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether equal.</returns>
    public static bool operator ==(FaceSignature left, FaceSignature right) => left.Equals(right);

    /// <summary>Whether two signatures differ.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether different.</returns>
    public static bool operator !=(FaceSignature left, FaceSignature right) => !left.Equals(right);

    private static void ThrowBadRegion(PixelRect region, int width, int height) =>
        throw new ArgumentException($"A face signature needs a region of at least {Side}x{Side} pixels inside the {width}x{height} image, not {region}.", nameof(region));

    [InlineArray(Length)]
    private struct CellBuffer
    {
        private byte _element;
    }
}
