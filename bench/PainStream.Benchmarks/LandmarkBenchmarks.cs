// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Benchmarks;

/// <summary>
/// One 68-point landmark prediction (dlib's ERT cascade ported to C#) on the astronaut's face, with the hand-measured box
/// 181,82 90x95 on the 512x512 image. <c>bench/landmarks-vs-dlib</c> times dlib's own C++ on the same image and box.
/// One operation is one face.
/// </summary>
public class LandmarkBenchmarks
{
    private readonly PointF[] _landmarks = new PointF[68];
    private ShapePredictor _predictor = null!;
    private byte[] _image = [];
    private int _width;
    private int _height;

    [GlobalSetup]
    public void Setup()
    {
        _predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(VisionFixtures.ModelsDirectory));
        using var mat = Cv2.ImRead(Path.Combine(RepoPaths.Root, "data", "fixtures", "astronaut.png"), ImreadModes.Color);
        _width = mat.Width;
        _height = mat.Height;
        _image = new byte[_width * _height * 3];
        System.Runtime.InteropServices.Marshal.Copy(mat.Data, _image, 0, _image.Length);
    }

    [Benchmark]
    public float Predict()
    {
        _predictor.Predict(new BgrImage(_image, _width, _height, _width * 3), new BoxF(181, 82, 90, 95), _landmarks);
        return _landmarks[30].X;
    }
}
