// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Reflection;
using System.Reflection.Emit;
using BenchmarkDotNet.Attributes;
using PainStream.Core.Detection;
using PainStream.Vision.Detection;

namespace PainStream.Benchmarks;

/// <summary>
/// BlazeFace input preparation for one 640x360 frame: letterbox resize into the square input, BGR → RGB and [-1, 1]
/// normalisation into the float tensor. One operation is one frame.
/// </summary>
/// <remarks>
/// The detector keeps this step in its private per-call workspace (<c>BlazeFaceDetector.Workspace.Fill</c>), so the
/// benchmark binds to that method once, in setup, through a <see cref="DynamicMethod"/> that skips visibility checks: the
/// code measured is the production code, and a rename fails the setup with a message saying where to look. If Vision ever
/// exposes the step as an internal static method, call it directly instead.
/// </remarks>
public class TensorPrepBenchmarks
{
    private const int Width = VisionFixtures.FrameWidth;
    private const int Height = VisionFixtures.FrameHeight;

    private IDisposable _workspace = null!;
    private FillDelegate _fill = null!;
    private byte[] _frame = [];
    private Letterbox _letterbox;

    private delegate void FillDelegate(object workspace, BgrImage image, Letterbox letterbox);

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

        const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
        var type = typeof(BlazeFaceDetector).GetNestedType("Workspace", BindingFlags.NonPublic)
            ?? throw Missing("the nested type BlazeFaceDetector.Workspace");
        var ctor = type.GetConstructor(Any, [typeof(int), typeof(int), typeof(int), typeof(long[][])])
            ?? throw Missing("Workspace(int size, int anchorCount, int maxFaces, long[][] outputShapes)");
        var fill = type.GetMethod("Fill", Any, [typeof(BgrImage), typeof(Letterbox)])
            ?? throw Missing("Workspace.Fill(BgrImage, Letterbox)");

        // Output shapes as the detector binds them: scores per layer group (larger map first), then regressors.
        var anchors = model.AnchorCount;
        var small = anchors - 512;
        long[][] shapes = [[1, 512, 1], [1, small, 1], [1, 512, BlazeFaceDecoder.RegressorLength], [1, small, BlazeFaceDecoder.RegressorLength]];
        _workspace = (IDisposable)ctor.Invoke([model.InputSize, anchors, 8, shapes]);

        var method = new DynamicMethod("Fill", typeof(void), [typeof(object), typeof(BgrImage), typeof(Letterbox)], typeof(BlazeFaceDetector).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, type);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Callvirt, fill);
        il.Emit(OpCodes.Ret);
        _fill = method.CreateDelegate<FillDelegate>();
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark(Description = "LetterboxRgbNormalize")]
    public void Fill() => _fill(_workspace, new BgrImage(_frame, Width, Height, Width * 3), _letterbox);

    private static MissingMemberException Missing(string what) =>
        new($"PainStream.Vision no longer has {what}: update bench/PainStream.Benchmarks/TensorPrepBenchmarks.cs to the detector's tensor-prep code.");
}
