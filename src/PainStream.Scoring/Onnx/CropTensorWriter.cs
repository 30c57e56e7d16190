// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Scoring.Onnx;

/// <summary>
/// Turns an aligned BGR24 crop into one face's NCHW float tensor as the manifest says:
/// tensor[c,y,x] = (pixel_c(y,x) / scale − mean[c]) / std[c], channels in the manifest's colour order.
/// </summary>
/// <remarks>
/// Per channel the 256 possible byte values are mapped once, at construction, so a crop costs one table load per value and
/// no arithmetic. <see cref="Write"/> reads the crop row by row and writes straight into the caller's span (a slice of a
/// batch buffer): no allocation. Immutable and thread-safe.
/// </remarks>
public sealed class CropTensorWriter
{
    private readonly float[] _table;
    private readonly int _size;

    // For each tensor channel, which byte of a BGR pixel it reads (RGB: 2, 1, 0; BGR: 0, 1, 2).
    private readonly int _source0;
    private readonly int _source2;

    /// <summary>Initializes a new instance of the <see cref="CropTensorWriter"/> class.</summary>
    /// <param name="input">The validated manifest input.</param>
    public CropTensorWriter(ManifestInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _size = input.Height;
        var rgb = string.Equals(input.ColorOrder, "RGB", StringComparison.Ordinal);
        _source0 = rgb ? 2 : 0;
        _source2 = rgb ? 0 : 2;
        _table = new float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            var mean = input.Mean![c];
            var std = input.Std![c];
            for (var v = 0; v < 256; v++)
            {
                _table[(c * 256) + v] = (float)(((v / input.Scale) - mean) / std);
            }
        }
    }

    /// <summary>Gets the number of floats one crop becomes (3·size·size).</summary>
    public int Length => 3 * _size * _size;

    /// <summary>Writes one crop's tensor.</summary>
    /// <param name="crop">The aligned crop, <c>size</c> pixels square, BGR24.</param>
    /// <param name="destination">At least <see cref="Length"/> floats: channel planes one after another.</param>
    /// <exception cref="ArgumentException">The crop is not the model's size or the destination is too short.</exception>
    public void Write(BgrImage crop, Span<float> destination)
    {
        if (crop.Width != _size || crop.Height != _size)
        {
            ThrowWrongSize(crop.Width, crop.Height, nameof(crop));
        }

        if (destination.Length < Length)
        {
            ThrowTooShort(destination.Length, nameof(destination));
        }

        var plane = _size * _size;
        var t0 = _table.AsSpan(0, 256);
        var t1 = _table.AsSpan(256, 256);
        var t2 = _table.AsSpan(512, 256);
        var p0 = destination[..plane];
        var p1 = destination.Slice(plane, plane);
        var p2 = destination.Slice(2 * plane, plane);
        for (var y = 0; y < _size; y++)
        {
            var row = crop.GetRow(y);
            var offset = y * _size;
            var d0 = p0.Slice(offset, _size);
            var d1 = p1.Slice(offset, _size);
            var d2 = p2.Slice(offset, _size);
            for (int x = 0, i = 0; x < _size; x++, i += 3)
            {
                d0[x] = t0[row[i + _source0]];
                d1[x] = t1[row[i + 1]];
                d2[x] = t2[row[i + _source2]];
            }
        }
    }

    private void ThrowWrongSize(int width, int height, string paramName) =>
        throw new ArgumentException($"The crop is {width}×{height}; the model takes {_size}×{_size} aligned crops.", paramName);

    private void ThrowTooShort(int length, string paramName) =>
        throw new ArgumentException($"The destination holds {length} floats; one crop needs {Length}.", paramName);
}
