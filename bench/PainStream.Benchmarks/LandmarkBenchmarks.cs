// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Benchmarks;

/// <summary>
/// One 68-point landmark prediction (dlib's ERT cascade ported to C#) on the astronaut's face, with the hand-measured box
/// 181,82 90x95 on the 512x512 image. <c>bench/landmarks-vs-dlib</c> times dlib's own C++ on the same image and box.
/// One operation is one face. <see cref="Leaves"/>: the daemon's 16-bit leaf table or dlib's floats (issue 14);
/// <see cref="Cascades"/>: all 15, or the first 10 a followed face runs (<c>Detection:FollowCascades</c>). The same face
/// over and over keeps its leaves partly cached; <c>--tracking-drift --compare-leaves</c> measures each frame once.
/// </summary>
public class LandmarkBenchmarks
{
    private readonly PointF[] _landmarks = new PointF[68];
    private ShapePredictor _predictor = null!;
    private byte[] _image = [];
    private int _width;
    private int _height;

    [Params(ShapePredictorLeaves.Quantized, ShapePredictorLeaves.Exact)]
    public ShapePredictorLeaves Leaves { get; set; } = ShapePredictorModel.DefaultLeaves;

    [Params(15, 10)]
    public int Cascades { get; set; } = 15;

    [GlobalSetup]
    public void Setup()
    {
        _predictor = new ShapePredictor(ShapePredictorModel.LoadFace68(VisionFixtures.ModelsDirectory, Leaves));
        using var mat = Cv2.ImRead(Path.Combine(RepoPaths.Root, "data", "fixtures", "astronaut.png"), ImreadModes.Color);
        _width = mat.Width;
        _height = mat.Height;
        _image = new byte[_width * _height * 3];
        System.Runtime.InteropServices.Marshal.Copy(mat.Data, _image, 0, _image.Length);
    }

    [Benchmark]
    public float Predict()
    {
        _predictor.Predict(new BgrImage(_image, _width, _height, _width * 3), new BoxF(181, 82, 90, 95), Cascades, _landmarks);
        return _landmarks[30].X;
    }
}
