// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Core.Detection;
using PainStream.Vision.Detection;

namespace PainStream.Benchmarks;

/// <summary>
/// BlazeFace input preparation for one 640x360 frame: letterbox resize into the square input, BGR → RGB and [-1, 1]
/// normalisation into the float tensor. One operation is one frame.
/// </summary>
/// <remarks>
/// The detector keeps this step in its per-call workspace (<c>BlazeFaceDetector.Workspace.Fill</c>, internal and visible to
/// this project), so the code measured is the production code: slot 0 of a one-image workspace, as a single detection uses.
/// </remarks>
public class TensorPrepBenchmarks
{
    private const int Width = VisionFixtures.FrameWidth;
    private const int Height = VisionFixtures.FrameHeight;

    private BlazeFaceDetector.Workspace _workspace = null!;
    private byte[] _frame = [];
    private Letterbox _letterbox;

    [Params("front-128", "back-256")]
    public string Model { get; set; } = "front-128";

    /// <summary>
    /// Gets or sets OpenCV's worker threads for the resize: <c>default</c> leaves OpenCV's choice (one per core, what the
    /// daemon does unless it calls <c>Cv2.SetNumThreads</c>), <c>1</c> keeps the resize on the calling thread.
    /// Each parameter set runs in its own process, so the global setting does not leak between cases.
    /// </summary>
    [Params("default", "1")]
    public string CvThreads { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        if (CvThreads != "default")
        {
            OpenCvSharp.Cv2.SetNumThreads(int.Parse(CvThreads, System.Globalization.CultureInfo.InvariantCulture));
        }

        var model = Model == "back-256" ? BlazeFaceModel.Back : BlazeFaceModel.Front;
        _frame = VisionFixtures.AstronautFrame();
        _letterbox = Letterbox.Fit(Width, Height, model.InputSize);

        // Output layer groups as the detector binds them: the 16x16 map's 512 anchors, then the 8x8 map's.
        var anchors = model.AnchorCount;
        _workspace = new BlazeFaceDetector.Workspace(model.InputSize, anchors, 8, [512, anchors - 512], 1);
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark(Description = "LetterboxRgbNormalize")]
    public void Fill() => _workspace.Fill(0, new BgrImage(_frame, Width, Height, Width * 3), _letterbox);
}
