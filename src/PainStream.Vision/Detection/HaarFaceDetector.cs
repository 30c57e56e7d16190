// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;

namespace PainStream.Vision.Detection;

/// <summary>
/// OpenCV's Viola–Jones Haar cascade (Debian <c>opencv-data</c>): the fallback detector when no ONNX model can run.
/// Slower and with more false positives than BlazeFace; faces have no keypoints and a score of 1.
/// </summary>
/// <remarks>
/// <see cref="CascadeClassifier"/> is not thread-safe, so each concurrent call takes its own classifier (and grey buffer)
/// from a pool; classifiers are loaded on demand.
/// </remarks>
public sealed class HaarFaceDetector : IFaceDetector
{
    /// <summary>The scale step between pyramid levels.</summary>
    internal const double ScaleFactor = 1.1;

    /// <summary>Neighbouring detections needed to keep a face.</summary>
    internal const int MinNeighbors = 5;

    /// <summary>The smallest face searched for, in pixels (the cascade's window).</summary>
    internal const int MinFaceSize = 24;

    private readonly string _cascadePath;
    private readonly int _maxFaces;
    private readonly ConcurrentBag<Workspace> _workspaces = [];
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="HaarFaceDetector"/> class.</summary>
    /// <param name="cascadePath">The cascade XML file (for example <c>haarcascade_frontalface_default.xml</c>).</param>
    /// <param name="options">Detection options (<see cref="DetectionOptions.MaxFaces"/> applies).</param>
    /// <param name="logger">Logs the loaded cascade.</param>
    /// <exception cref="FileNotFoundException">The cascade file is missing.</exception>
    /// <exception cref="InvalidDataException">OpenCV cannot load the cascade.</exception>
    public HaarFaceDetector(string cascadePath, DetectionOptions options, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(cascadePath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _cascadePath = Path.GetFullPath(cascadePath);
        _maxFaces = options.MaxFaces;
        if (!File.Exists(_cascadePath))
        {
            throw new FileNotFoundException(
                $"Haar cascade '{_cascadePath}' is missing: install the Debian package opencv-data or set Detection:HaarCascadePath.",
                _cascadePath);
        }

        // Load one classifier now so a bad file fails at start, not on the first frame.
        _workspaces.Add(new Workspace(_cascadePath));
        Name = "haar-" + Path.GetFileNameWithoutExtension(_cascadePath).Replace("haarcascade_", string.Empty, StringComparison.Ordinal);
        logger.CascadeLoaded(Name, _cascadePath);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public IReadOnlyList<DetectedFace> Detect(BgrImage image) => Detect((FrameImage)image);

    /// <inheritdoc/>
    /// <remarks>An I420 view's luma plane is the grey image the cascade reads (equalised as the BGR path's grey is).</remarks>
    public unsafe IReadOnlyList<DetectedFace> Detect(FrameImage image)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var workspace = _workspaces.TryTake(out var pooled) ? pooled : new Workspace(_cascadePath);
        try
        {
            Rect[] rects;
            if (image.Format == FramePixelFormat.I420)
            {
                var luma = image.Y;
                fixed (byte* data = luma.Data)
                {
                    using var src = Mat.FromPixelData(luma.Height, luma.Width, MatType.CV_8UC1, (IntPtr)data, luma.Stride);
                    src.CopyTo(workspace.Grey);
                }
            }
            else
            {
                var bgr = image.Bgr;
                fixed (byte* data = bgr.Data)
                {
                    using var src = Mat.FromPixelData(bgr.Height, bgr.Width, MatType.CV_8UC3, (IntPtr)data, bgr.Stride);
                    Cv2.CvtColor(src, workspace.Grey, ColorConversionCodes.BGR2GRAY);
                }
            }

            Cv2.EqualizeHist(workspace.Grey, workspace.Grey);
            rects = workspace.Classifier.DetectMultiScale(
                workspace.Grey, ScaleFactor, MinNeighbors, HaarDetectionTypes.ScaleImage, new Size(MinFaceSize, MinFaceSize));
            if (rects.Length == 0)
            {
                return [];
            }

            // All scores are equal, so "best first" means largest first.
            Array.Sort(rects, static (a, b) => (b.Width * b.Height).CompareTo(a.Width * a.Height));
            var faces = new DetectedFace[Math.Min(rects.Length, _maxFaces)];
            for (var i = 0; i < faces.Length; i++)
            {
                var r = rects[i];
                faces[i] = new DetectedFace(new BoxF(r.X, r.Y, r.Width, r.Height), 1f, []);
            }

            return faces;
        }
        finally
        {
            _workspaces.Add(workspace);
            if (Volatile.Read(ref _disposed) != 0 && _workspaces.TryTake(out var late))
            {
                late.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_workspaces.TryTake(out var workspace))
        {
            workspace.Dispose();
        }
    }

    private sealed class Workspace : IDisposable
    {
        public Workspace(string cascadePath)
        {
            Classifier = new CascadeClassifier(cascadePath);
            if (Classifier.Empty())
            {
                Classifier.Dispose();
                throw new InvalidDataException($"OpenCV could not load the Haar cascade '{cascadePath}'.");
            }

            Grey = new Mat();
        }

        public CascadeClassifier Classifier { get; }

        public Mat Grey { get; }

        public void Dispose()
        {
            Classifier.Dispose();
            Grey.Dispose();
        }
    }
}
