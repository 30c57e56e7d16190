// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Tools.Synthesis;

/// <summary>
/// The neutral frame of a demo clip, the face image scaled and cropped to the output size with the face centred, and the
/// face's landmarks in it; renders any <see cref="GrimaceShape"/> of that face.
/// </summary>
/// <remarks>Immutable after creation; <see cref="Render"/> may run on several threads at once.</remarks>
public sealed class DemoClipScene
{
    private readonly byte[] _pixels;
    private readonly PointF[] _landmarks;

    private DemoClipScene(byte[] pixels, int width, int height, BoxF face, PointF[] landmarks, double scale)
    {
        _pixels = pixels;
        Width = width;
        Height = height;
        Face = face;
        _landmarks = landmarks;
        Scale = scale;
    }

    /// <summary>Gets the frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets the number of bytes of one packed BGR24 frame.</summary>
    public int FrameBytes => Width * Height * 3;

    /// <summary>Gets the face box in the frame (the detector's box, scaled with the image).</summary>
    public BoxF Face { get; }

    /// <summary>Gets the face's 68 landmarks in the neutral frame.</summary>
    public IReadOnlyList<PointF> Landmarks => _landmarks;

    /// <summary>Gets the factor the face image was scaled by.</summary>
    public double Scale { get; }

    /// <summary>Gets the neutral frame (packed BGR24, stride <c>Width * 3</c>).</summary>
    public BgrImage Neutral => new(_pixels, Width, Height, Width * 3);

    /// <summary>
    /// Scales <paramref name="image"/> so that <paramref name="face"/> is <see cref="DemoClipOptions.FaceWidth"/> wide,
    /// places the face at the centre of a <see cref="DemoClipOptions.Width"/> × <see cref="DemoClipOptions.Height"/> frame
    /// (shifted back where that would uncover the frame's edge; black bars only where the image is too small to cover it),
    /// and predicts the face's landmarks there.
    /// </summary>
    /// <param name="image">The face image.</param>
    /// <param name="face">The face's box in <paramref name="image"/> (a detector box).</param>
    /// <param name="predictor">The 68-point landmark predictor.</param>
    /// <param name="options">The output size and face width.</param>
    /// <returns>The scene.</returns>
    /// <exception cref="ArgumentException">The options are invalid, or the predictor is not a 68-point model.</exception>
    public static unsafe DemoClipScene Create(BgrImage image, BoxF face, ShapePredictor predictor, DemoClipOptions options)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid demo clip options: " + string.Join("; ", problems), nameof(options));
        }

        if (predictor.LandmarkCount != PiecewiseAffineWarp.LandmarkCount)
        {
            throw new ArgumentException($"The grimace needs a 68-point landmark model; this one has {predictor.LandmarkCount} points.", nameof(predictor));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(face.Width, nameof(face));
        int width = options.Width, height = options.Height;
        double scale = options.FaceWidth / face.Width;
        var tx = Place(width, image.Width * scale, width / 2.0 - (face.Center.X * scale));
        var ty = Place(height, image.Height * scale, height / 2.0 - (face.Center.Y * scale));

        var pixels = new byte[width * height * 3];
        fixed (byte* source = image.Data)
        {
            fixed (byte* target = pixels)
            {
                using var src = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, (IntPtr)source, image.Stride);
                using var dst = Mat.FromPixelData(height, width, MatType.CV_8UC3, (IntPtr)target, width * 3);
                using var map = new Mat(2, 3, MatType.CV_64FC1);
                map.Set(0, 0, scale);
                map.Set(0, 1, 0.0);
                map.Set(0, 2, tx);
                map.Set(1, 0, 0.0);
                map.Set(1, 1, scale);
                map.Set(1, 2, ty);

                // Area averaging when shrinking is not available to WarpAffine; cubic is sharp when enlarging and
                // acceptable when shrinking by less than 2x, the usual case for a portrait.
                Cv2.WarpAffine(src, dst, map, new Size(width, height), scale >= 1 ? InterpolationFlags.Cubic : InterpolationFlags.Linear, BorderTypes.Constant, Scalar.Black);
            }
        }

        var box = new BoxF(
            MathF.Round((float)((face.X * scale) + tx)),
            MathF.Round((float)((face.Y * scale) + ty)),
            MathF.Round((float)(face.Width * scale)),
            MathF.Round((float)(face.Height * scale)));
        var landmarks = new PointF[PiecewiseAffineWarp.LandmarkCount];
        predictor.Predict(new BgrImage(pixels, width, height, width * 3), box, landmarks);
        return new DemoClipScene(pixels, width, height, box, landmarks, scale);
    }

    /// <summary>Renders the face grimacing by <paramref name="shape"/>.</summary>
    /// <param name="shape">The grimace (<see cref="GrimaceShape.Neutral"/> gives the neutral frame's bytes exactly).</param>
    /// <param name="destination">Receives <see cref="FrameBytes"/> bytes of packed BGR24.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void Render(GrimaceShape shape, Span<byte> destination)
    {
        if (destination.Length < FrameBytes)
        {
            throw new ArgumentException($"The frame buffer must hold {FrameBytes} bytes.", nameof(destination));
        }

        GrimaceWarper.Apply(Neutral, _landmarks, shape, destination, Width * 3);
    }

    /// <summary>The offset that puts the scaled image where <paramref name="wanted"/> says, without uncovering an edge.</summary>
    private static double Place(int frame, double scaled, double wanted) =>
        scaled >= frame ? Math.Clamp(wanted, frame - scaled, 0) : (frame - scaled) / 2;
}
