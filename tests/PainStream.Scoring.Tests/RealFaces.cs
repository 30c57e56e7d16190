// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Testing;
using PainStream.Vision.Landmarks;

namespace PainStream.Scoring.Tests;

/// <summary>Real 68-point landmarks of the fixture faces, from the C# dlib shape predictor (loaded once per process).</summary>
internal static class RealFaces
{
    /// <summary>astronaut.png: the hand-measured face box (shared: <see cref="FixtureFaces"/>).</summary>
    public static readonly BoxF AstronautBox = FixtureFaces.AstronautBox;

    /// <summary>messi5.jpg: the hand-measured face box (shared: <see cref="FixtureFaces"/>).</summary>
    public static readonly BoxF MessiBox = FixtureFaces.MessiBox;

    private static readonly Lazy<ShapePredictor> LazyPredictor = new(() => new ShapePredictor(ShapePredictorModel.LoadFace68(TestPaths.Models)));
    private static readonly Lazy<PointF[]> LazyAstronaut = new(() => Predict("astronaut.png", AstronautBox));
    private static readonly Lazy<PointF[]> LazyMessi = new(() => Predict("messi5.jpg", MessiBox));

    /// <summary>Gets a fresh copy of the astronaut's landmarks (callers may move points).</summary>
    public static PointF[] Astronaut => (PointF[])LazyAstronaut.Value.Clone();

    /// <summary>Gets a fresh copy of messi5's landmarks.</summary>
    public static PointF[] Messi => (PointF[])LazyMessi.Value.Clone();

    private static PointF[] Predict(string fixture, BoxF box)
    {
        using var mat = Cv2.ImRead(TestPaths.Fixture(fixture), ImreadModes.Color);
        Assert.False(mat.Empty(), $"OpenCV could not decode {fixture}.");
        var (width, height) = (mat.Cols, mat.Rows);
        var stride = width * 3;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(mat.Ptr(y), data, y * stride, stride);
        }

        var landmarks = new PointF[68];
        LazyPredictor.Value.Predict(new BgrImage(data, width, height, stride), box, landmarks);
        return landmarks;
    }
}
