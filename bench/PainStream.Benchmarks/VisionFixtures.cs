// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using PainStream.Core.Options;
using PainStream.Vision.Detection;
using PainStream.Inference.Onnx;

namespace PainStream.Benchmarks;

/// <summary>The frames and raw model outputs the vision benchmarks run on.</summary>
internal static class VisionFixtures
{
    /// <summary>The analysis frame size (the daemon's default capture size).</summary>
    public const int FrameWidth = 640;

    /// <summary>The analysis frame height.</summary>
    public const int FrameHeight = 360;

    /// <summary>Gets the models directory.</summary>
    public static string ModelsDirectory => Path.Combine(RepoPaths.Root, "models");

    /// <summary>
    /// Returns <c>data/fixtures/astronaut.png</c> (512x512, one face) scaled to 360x360 and letterboxed into a 640x360 BGR24
    /// frame with black bars, the way a camera frame arrives from capture.
    /// </summary>
    /// <returns>The packed BGR24 pixels (stride 640 * 3).</returns>
    public static byte[] AstronautFrame()
    {
        var path = RepoPaths.Require("data/fixtures/astronaut.png", "scripts/fetch-fixtures");
        using var image = Cv2.ImRead(path, ImreadModes.Color);
        if (image.Empty())
        {
            throw new InvalidDataException($"OpenCV could not decode '{path}'.");
        }

        var scale = Math.Min((double)FrameWidth / image.Cols, (double)FrameHeight / image.Rows);
        var w = (int)Math.Round(image.Cols * scale);
        var h = (int)Math.Round(image.Rows * scale);
        using var resized = new Mat();
        Cv2.Resize(image, resized, new Size(w, h), 0, 0, InterpolationFlags.Area);
        using var frame = new Mat();
        var left = (FrameWidth - w) / 2;
        var top = (FrameHeight - h) / 2;
        Cv2.CopyMakeBorder(resized, frame, top, FrameHeight - h - top, left, FrameWidth - w - left, BorderTypes.Constant, Scalar.Black);
        return ToBytes(frame);
    }

    /// <summary>Creates the detector the daemon creates by default (CPU, one intra-op thread).</summary>
    /// <param name="model">The BlazeFace graph.</param>
    /// <returns>The detector; the caller disposes it.</returns>
    public static BlazeFaceDetector CreateDetector(BlazeFaceModel model) =>
        new(model, ModelsDirectory, CpuOptions(), NullLogger.Instance);

    /// <summary>Gets detection options pinned to the CPU provider, so figures do not depend on whether CUDA loads.</summary>
    /// <returns>The options.</returns>
    public static DetectionOptions CpuOptions() => new() { ExecutionProvider = ExecutionProviderKind.Cpu, IntraOpThreads = 1 };

    /// <summary>
    /// Runs <paramref name="model"/> once on <paramref name="frame"/> with an independent, straightforward input preparation and
    /// returns its raw outputs in anchor order (larger feature map first), as the decoder receives them.
    /// </summary>
    /// <param name="model">The BlazeFace graph.</param>
    /// <param name="frame">A 640x360 BGR24 frame.</param>
    /// <returns>One logit per anchor and 16 regressor floats per anchor.</returns>
    public static (float[] Scores, float[] Regressors) RawOutputs(BlazeFaceModel model, byte[] frame)
    {
        var size = model.InputSize;
        var letterbox = Letterbox.Fit(FrameWidth, FrameHeight, size);
        using var src = Mat.FromPixelData(FrameHeight, FrameWidth, MatType.CV_8UC3, frame);
        using var resized = new Mat();
        Cv2.Resize(src, resized, new Size(letterbox.ResizedWidth, letterbox.ResizedHeight), 0, 0, InterpolationFlags.Area);
        using var input = new Mat();
        Cv2.CopyMakeBorder(resized, input, letterbox.PadY, size - letterbox.ResizedHeight - letterbox.PadY, letterbox.PadX, size - letterbox.ResizedWidth - letterbox.PadX, BorderTypes.Constant, Scalar.Black);
        var bgr = ToBytes(input);
        var tensor = new float[size * size * 3];
        for (var p = 0; p < bgr.Length; p += 3)
        {
            tensor[p] = (bgr[p + 2] / 127.5f) - 1f;
            tensor[p + 1] = (bgr[p + 1] / 127.5f) - 1f;
            tensor[p + 2] = (bgr[p] / 127.5f) - 1f;
        }

        var path = Path.Combine(ModelsDirectory, model.RelativePath);
        using var session = OnnxSessionFactory.Create(path, ExecutionProviderKind.Cpu, 1, NullLogger.Instance, out _);
        using var value = OrtValue.CreateTensorValueFromMemory(tensor, [1, size, size, 3]);
        using var runOptions = new RunOptions();
        var outputNames = session.OutputMetadata.Keys.ToArray();
        using var outputs = session.Run(runOptions, [session.InputMetadata.Keys.First()], [value], outputNames);
        var scores = new List<(int Anchors, float[] Data)>();
        var regressors = new List<(int Anchors, float[] Data)>();
        var i = 0;
        foreach (var output in outputs)
        {
            var dims = session.OutputMetadata[outputNames[i++]].Dimensions;
            var data = output.GetTensorDataAsSpan<float>().ToArray();
            (dims[2] == 1 ? scores : regressors).Add((dims[1], data));
        }

        return (
            [.. scores.OrderByDescending(s => s.Anchors).SelectMany(s => s.Data)],
            [.. regressors.OrderByDescending(r => r.Anchors).SelectMany(r => r.Data)]);
    }

    /// <summary>Decodes an image file into packed BGR24 pixels.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The pixels (stride <c>Width * 3</c>) and the size.</returns>
    public static (byte[] Pixels, int Width, int Height) LoadBgr(string path)
    {
        using var image = Cv2.ImRead(path, ImreadModes.Color);
        if (image.Empty())
        {
            throw new InvalidDataException($"OpenCV could not decode '{path}'.");
        }

        return (ToBytes(image), image.Cols, image.Rows);
    }

    private static byte[] ToBytes(Mat mat)
    {
        var rows = mat.Rows;
        var stride = mat.Cols * 3;
        var data = new byte[stride * rows];
        for (var y = 0; y < rows; y++)
        {
            Marshal.Copy(mat.Ptr(y), data, y * stride, stride);
        }

        return data;
    }
}
