// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Scoring.Tests;

/// <summary>Landmarks of a still face that do not jump with the box: shared by the grimace and yaw scoring tests.</summary>
internal static class JitteredLandmarks
{
    /// <summary>
    /// The 68 landmarks averaged over 27 boxes jittered by ±2 % of the box (position and size): a single prediction moves
    /// by a pixel or two when the box moves by one, which would drown a few-percent feature motion.
    /// </summary>
    /// <param name="predictor">The shape predictor.</param>
    /// <param name="image">The image.</param>
    /// <param name="box">The face box.</param>
    /// <returns>The averaged landmarks.</returns>
    public static PointF[] Predict(ShapePredictor predictor, BgrImage image, BoxF box)
    {
        var r = MathF.Max(1, MathF.Round(0.02f * box.Width));
        var one = new PointF[68];
        var sum = new double[136];
        var n = 0;
        for (var dx = -r; dx <= r; dx += r)
        {
            for (var dy = -r; dy <= r; dy += r)
            {
                for (var ds = -r; ds <= r; ds += r)
                {
                    predictor.Predict(image, new BoxF(box.X + dx - (ds / 2), box.Y + dy - (ds / 2), box.Width + ds, box.Height + ds), one);
                    for (var i = 0; i < 68; i++)
                    {
                        sum[2 * i] += one[i].X;
                        sum[(2 * i) + 1] += one[i].Y;
                    }

                    n++;
                }
            }
        }

        var landmarks = new PointF[68];
        for (var i = 0; i < 68; i++)
        {
            landmarks[i] = new PointF((float)(sum[2 * i] / n), (float)(sum[(2 * i) + 1] / n));
        }

        return landmarks;
    }
}
