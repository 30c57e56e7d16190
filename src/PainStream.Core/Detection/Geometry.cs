// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>A point in image pixel coordinates.</summary>
/// <param name="X">Horizontal coordinate in pixels, left to right.</param>
/// <param name="Y">Vertical coordinate in pixels, top to bottom.</param>
public readonly record struct PointF(float X, float Y);

/// <summary>An axis-aligned box in image pixel coordinates.</summary>
/// <param name="X">Left edge in pixels.</param>
/// <param name="Y">Top edge in pixels.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct BoxF(float X, float Y, float Width, float Height)
{
    /// <summary>Gets the right edge.</summary>
    public float Right => X + Width;

    /// <summary>Gets the bottom edge.</summary>
    public float Bottom => Y + Height;

    /// <summary>Gets the area in square pixels (0 for degenerate boxes).</summary>
    public float Area => Width > 0 && Height > 0 ? Width * Height : 0;

    /// <summary>Gets the centre of the box.</summary>
    public PointF Center => new(X + (Width / 2), Y + (Height / 2));

    /// <summary>Intersection over union of two boxes, in [0, 1].</summary>
    /// <param name="other">The other box.</param>
    /// <returns>The IoU, 0 when the boxes do not overlap.</returns>
    public float IntersectionOverUnion(BoxF other)
    {
        var left = MathF.Max(X, other.X);
        var top = MathF.Max(Y, other.Y);
        var right = MathF.Min(Right, other.Right);
        var bottom = MathF.Min(Bottom, other.Bottom);
        var inter = right > left && bottom > top ? (right - left) * (bottom - top) : 0f;
        var union = Area + other.Area - inter;
        // Rounding of (Right - X) can make a box's overlap with itself a hair larger than its own area: keep the [0, 1]
        // contract, which the tracker's assignment costs rely on (a negative cost is refused and stopped the patient stage).
        return union > 0 ? MathF.Min(1f, inter / union) : 0f;
    }

    /// <summary>Returns this box moved by (<paramref name="dx"/>, <paramref name="dy"/>).</summary>
    /// <param name="dx">Horizontal offset.</param>
    /// <param name="dy">Vertical offset.</param>
    /// <returns>The translated box.</returns>
    public BoxF Offset(float dx, float dy) => new(X + dx, Y + dy, Width, Height);
}

/// <summary>An integer pixel rectangle, used for regions of interest cut out of a frame.</summary>
/// <param name="X">Left edge in pixels.</param>
/// <param name="Y">Top edge in pixels.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct PixelRect(int X, int Y, int Width, int Height);
