// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Vision.Detection;

/// <summary>
/// MediaPipe's SSD anchor generation as configured for BlazeFace: consecutive layers with the same stride share one feature
/// map, each layer adds 2 anchors per cell (aspect ratio 1 plus the interpolated scale), anchor centres sit at cell
/// centres (offset 0.5) and every anchor has unit size (<c>fixed_anchor_size</c>), so only the centres matter.
/// </summary>
internal static class BlazeFaceAnchors
{
    /// <summary>Anchors per cell contributed by each layer.</summary>
    internal const int AnchorsPerLayer = 2;

    /// <summary>Counts the anchors for an input size and stride list.</summary>
    /// <param name="inputSize">The square input size.</param>
    /// <param name="strides">The layer strides.</param>
    /// <returns>The anchor count.</returns>
    internal static int Count(int inputSize, ReadOnlySpan<int> strides)
    {
        var count = 0;
        for (var layer = 0; layer < strides.Length;)
        {
            var next = SameStrideEnd(strides, layer);
            var cells = FeatureMapSize(inputSize, strides[layer]);
            count += cells * cells * AnchorsPerLayer * (next - layer);
            layer = next;
        }

        return count;
    }

    /// <summary>Generates the anchor centres in the order the graph emits its outputs (layer, row, column, anchor).</summary>
    /// <param name="inputSize">The square input size.</param>
    /// <param name="strides">The layer strides.</param>
    /// <returns>Interleaved normalised (x, y) centres, 2 floats per anchor.</returns>
    internal static float[] Generate(int inputSize, ReadOnlySpan<int> strides)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        var anchors = new float[Count(inputSize, strides) * 2];
        var i = 0;
        for (var layer = 0; layer < strides.Length;)
        {
            var next = SameStrideEnd(strides, layer);
            var perCell = AnchorsPerLayer * (next - layer);
            var cells = FeatureMapSize(inputSize, strides[layer]);
            for (var y = 0; y < cells; y++)
            {
                var cy = (y + 0.5f) / cells;
                for (var x = 0; x < cells; x++)
                {
                    var cx = (x + 0.5f) / cells;
                    for (var a = 0; a < perCell; a++)
                    {
                        anchors[i++] = cx;
                        anchors[i++] = cy;
                    }
                }
            }

            layer = next;
        }

        return anchors;
    }

    private static int SameStrideEnd(ReadOnlySpan<int> strides, int layer)
    {
        var next = layer;
        while (next < strides.Length && strides[next] == strides[layer])
        {
            next++;
        }

        return next;
    }

    private static int FeatureMapSize(int inputSize, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        return (inputSize + stride - 1) / stride;
    }
}
