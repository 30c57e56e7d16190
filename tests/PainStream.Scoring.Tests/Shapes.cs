// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Scoring.Tests;

/// <summary>Synthetic expressions made by moving landmarks of a real neutral face, in the face's own frame.</summary>
internal static class Shapes
{
    /// <summary>Inter-ocular distance |p36 − p45|.</summary>
    public static float InterOcular(PointF[] p) => Distance(p[36], p[45]);

    /// <summary>Moves points along the face's "down" direction (perpendicular to the eye line) by a fraction of the inter-ocular distance.</summary>
    public static void MoveDown(PointF[] p, float fractionOfIod, params int[] indices)
    {
        var (dx, dy) = Down(p);
        var step = fractionOfIod * InterOcular(p);
        foreach (var i in indices)
        {
            p[i] = new PointF(p[i].X + (dx * step), p[i].Y + (dy * step));
        }
    }

    /// <summary>Moves point <paramref name="i"/> a fraction <paramref name="t"/> of the way to <paramref name="target"/>.</summary>
    public static void Toward(PointF[] p, int i, PointF target, float t) =>
        p[i] = new PointF(p[i].X + ((target.X - p[i].X) * t), p[i].Y + ((target.Y - p[i].Y) * t));

    /// <summary>Closes both eyes by <paramref name="t"/> (0 open, 1 shut): upper lids move onto the lower lids.</summary>
    public static PointF[] CloseEyes(PointF[] neutral, float t)
    {
        var p = (PointF[])neutral.Clone();
        foreach (var (upper, lower) in new[] { (37, 41), (38, 40), (43, 47), (44, 46) })
        {
            Toward(p, upper, neutral[lower], t);
        }

        return p;
    }

    /// <summary>Narrows both eyes by <paramref name="t"/>: upper and lower lids each move <paramref name="t"/>/2 toward the other.</summary>
    public static PointF[] NarrowEyes(PointF[] neutral, float t)
    {
        var p = (PointF[])neutral.Clone();
        foreach (var (upper, lower) in new[] { (37, 41), (38, 40), (43, 47), (44, 46) })
        {
            Toward(p, upper, neutral[lower], t / 2);
            Toward(p, lower, neutral[upper], t / 2);
        }

        return p;
    }

    /// <summary>Lowers all brow points (17–26) by <paramref name="fractionOfIod"/> and pulls the inner ends together by half that.</summary>
    public static PointF[] LowerBrows(PointF[] neutral, float fractionOfIod)
    {
        var p = (PointF[])neutral.Clone();
        MoveDown(p, fractionOfIod, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26);
        var mid = new PointF((p[21].X + p[22].X) / 2, (p[21].Y + p[22].Y) / 2);
        var gap = Distance(p[21], p[22]);
        var pull = Math.Min(0.45f, fractionOfIod * InterOcular(p) / 2 / gap);
        Toward(p, 21, mid, pull);
        Toward(p, 22, mid, pull);
        return p;
    }

    /// <summary>Raises the upper lip (48–54 outer, 60–64 inner) by <paramref name="fractionOfIod"/>.</summary>
    public static PointF[] RaiseUpperLip(PointF[] neutral, float fractionOfIod)
    {
        var p = (PointF[])neutral.Clone();
        MoveDown(p, -fractionOfIod, 48, 49, 50, 51, 52, 53, 54, 60, 61, 62, 63, 64);
        return p;
    }

    /// <summary>Applies a similarity transform (scale, rotation, translation) to every point.</summary>
    public static PointF[] Similarity(PointF[] p, float scale, float degrees, float tx, float ty)
    {
        var (s, c) = MathF.SinCos(degrees * MathF.PI / 180);
        return [.. p.Select(q => new PointF((scale * ((c * q.X) - (s * q.Y))) + tx, (scale * ((s * q.X) + (c * q.Y))) + ty))];
    }

    private static (float X, float Y) Down(PointF[] p)
    {
        // Eye line from the subject's right outer corner (image left) to the left one; "down" is its clockwise normal in image coordinates.
        var ex = p[45].X - p[36].X;
        var ey = p[45].Y - p[36].Y;
        var n = MathF.Sqrt((ex * ex) + (ey * ey));
        return (-ey / n, ex / n);
    }

    private static float Distance(PointF a, PointF b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
