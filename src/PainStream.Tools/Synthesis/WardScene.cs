// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Tools.Synthesis;

/// <summary>One patient of a <see cref="WardScene"/>: the face's box and landmarks in the frame, and the patch the warp may change.</summary>
/// <param name="Bed">The bed.</param>
/// <param name="Face">The face box in the frame (the source detector box, scaled and moved with the image).</param>
/// <param name="Landmarks">The face's 68 landmarks in the neutral frame (predicted on it).</param>
/// <param name="Patch">The frame rectangle the warp may change (the warp's margin box and a little more).</param>
/// <param name="Scale">The factor the face image was scaled by.</param>
public sealed record WardPatient(WardBed Bed, BoxF Face, PointF[] Landmarks, PixelRect Patch, double Scale);

/// <summary>
/// The four-bed ward demo's picture (issue 12 item 3): a drawn ward (wall, floor, four beds with pillows and blankets)
/// with a real face cut from each source image and laid on each pillow at <see cref="WardBed.InterOcularPixels"/>; each
/// frame warps each face by its <see cref="GrimaceShape"/> (<see cref="GrimaceWarper"/>, <see cref="HeadTurn"/>).
/// </summary>
/// <remarks>
/// <para>
/// Each face is cut out of its image as an ellipse around the head (1.4 D either side of the landmarks' centre, 2.0 D
/// above and below a point 0.1 D under it, D the outer-eye-corner distance) with a feathered edge, scaled so that D is the
/// bed's size, and blended onto the pillow. The landmarks are then predicted again on the composed frame, so the warp
/// moves what the pipeline will see. The background is flat colour with soft shading: nothing in it looks like a face.
/// </para>
/// <para>Thread-safe for concurrent <see cref="Render"/> calls (each writes only its own destination).</para>
/// </remarks>
public sealed class WardScene
{
    private readonly byte[] _pixels;

    private WardScene(byte[] pixels, int width, int height, WardPatient[] patients)
    {
        _pixels = pixels;
        Width = width;
        Height = height;
        Patients = patients;
    }

    /// <summary>Gets the frame width.</summary>
    public int Width { get; }

    /// <summary>Gets the frame height.</summary>
    public int Height { get; }

    /// <summary>Gets the number of bytes of one packed BGR24 frame.</summary>
    public int FrameBytes => Width * Height * 3;

    /// <summary>Gets the patients, bed by bed.</summary>
    public IReadOnlyList<WardPatient> Patients { get; }

    /// <summary>Gets the neutral frame (packed BGR24, stride <c>Width * 3</c>).</summary>
    public BgrImage Neutral => new(_pixels, Width, Height, Width * 3);

    /// <summary>Composes the ward.</summary>
    /// <param name="faces">One image and its face (a detector box) per bed, in the order of <see cref="WardSceneOptions.Beds"/>.</param>
    /// <param name="predictor">The 68-point landmark predictor.</param>
    /// <param name="options">The layout.</param>
    /// <returns>The scene.</returns>
    /// <exception cref="ArgumentException">The options are invalid, the number of faces is not the number of beds, or the
    /// predictor is not a 68-point model.</exception>
    public static WardScene Create(IReadOnlyList<(byte[] Pixels, int Width, int Height, BoxF Face)> faces, ShapePredictor predictor, WardSceneOptions options)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid ward options: " + string.Join("; ", problems), nameof(options));
        }

        if (faces.Count != options.Beds.Count)
        {
            throw new ArgumentException($"The ward has {options.Beds.Count} beds and needs one face image each; got {faces.Count}.", nameof(faces));
        }

        if (predictor.LandmarkCount != PiecewiseAffineWarp.LandmarkCount)
        {
            throw new ArgumentException($"The ward needs a 68-point landmark model; this one has {predictor.LandmarkCount} points.", nameof(predictor));
        }

        int width = options.Width, height = options.Height;
        using var frame = DrawWard(options);
        var patients = new WardPatient[faces.Count];
        var landmarks = new PointF[PiecewiseAffineWarp.LandmarkCount];
        for (var i = 0; i < faces.Count; i++)
        {
            var (pixels, w, h, face) = faces[i];
            var bed = options.Beds[i];
            predictor.Predict(new BgrImage(pixels, w, h, w * 3), face, landmarks);
            var d = Distance(landmarks[36], landmarks[45]);
            if (!(d > 4))
            {
                throw new ArgumentException($"Face {i + 1} ({bed.Name}): the landmarks are degenerate (inter-ocular distance {d:F1} px).", nameof(faces));
            }

            var centre = Centroid(landmarks);
            var scale = bed.InterOcularPixels / d;

            // The head's place: the middle of the bed across, a third of the way down (the pillow).
            var r = bed.Region;
            var headX = (r.X + (r.Width / 2)) * width;
            var headY = (r.Y + (r.Height * 0.36)) * height;
            Paste(frame, pixels, w, h, centre, d, scale, headX, headY);
            patients[i] = new WardPatient(
                bed,
                new BoxF(
                    (float)(((face.X - centre.X) * scale) + headX),
                    (float)(((face.Y - centre.Y) * scale) + headY),
                    (float)(face.Width * scale),
                    (float)(face.Height * scale)),
                [],
                default,
                scale);
        }

        var composed = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            System.Runtime.InteropServices.Marshal.Copy(frame.Ptr(y), composed, y * width * 3, width * 3);
        }

        var view = new BgrImage(composed, width, height, width * 3);
        for (var i = 0; i < patients.Length; i++)
        {
            var points = new PointF[PiecewiseAffineWarp.LandmarkCount];
            predictor.Predict(view, patients[i].Face, points);
            patients[i] = patients[i] with { Landmarks = points, Patch = PatchOf(points, width, height) };
        }

        return new WardScene(composed, width, height, patients);
    }

    /// <summary>Renders one frame: the neutral ward with each bed's face warped by its shape.</summary>
    /// <param name="shapes">One shape per bed.</param>
    /// <param name="destination">Receives <see cref="FrameBytes"/> bytes of packed BGR24.</param>
    /// <exception cref="ArgumentException">The buffer is too short or the number of shapes is not the number of beds.</exception>
    public void Render(ReadOnlySpan<GrimaceShape> shapes, Span<byte> destination)
    {
        if (destination.Length < FrameBytes)
        {
            throw new ArgumentException($"The frame buffer must hold {FrameBytes} bytes.", nameof(destination));
        }

        if (shapes.Length != Patients.Count)
        {
            throw new ArgumentException($"Need one shape per bed ({Patients.Count}), got {shapes.Length}.", nameof(shapes));
        }

        _pixels.CopyTo(destination);
        var stride = Width * 3;
        Span<PointF> local = stackalloc PointF[PiecewiseAffineWarp.LandmarkCount];
        for (var i = 0; i < shapes.Length; i++)
        {
            if (shapes[i].Clamped().IsNeutral)
            {
                continue;
            }

            var patient = Patients[i];
            var p = patient.Patch;
            for (var k = 0; k < local.Length; k++)
            {
                local[k] = new PointF(patient.Landmarks[k].X - p.X, patient.Landmarks[k].Y - p.Y);
            }

            var source = Neutral.Crop(p);
            GrimaceWarper.Apply(source, local, shapes[i], destination[((p.Y * stride) + (p.X * 3))..], stride);
        }
    }

    /// <summary>The warp's margin box around the landmarks (see <see cref="PiecewiseAffineWarp.MarginFaceWidths"/>) plus 4 px, clamped to the frame.</summary>
    private static PixelRect PatchOf(ReadOnlySpan<PointF> points, int width, int height)
    {
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        foreach (var p in points)
        {
            minX = MathF.Min(minX, p.X);
            minY = MathF.Min(minY, p.Y);
            maxX = MathF.Max(maxX, p.X);
            maxY = MathF.Max(maxY, p.Y);
        }

        var margin = ((maxX - minX) * PiecewiseAffineWarp.MarginFaceWidths) + 4;
        var x0 = Math.Max(0, (int)MathF.Floor(minX - margin));
        var y0 = Math.Max(0, (int)MathF.Floor(minY - margin));
        var x1 = Math.Min(width, (int)MathF.Ceiling(maxX + margin));
        var y1 = Math.Min(height, (int)MathF.Ceiling(maxY + margin));
        return new PixelRect(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>Scales the head around <paramref name="centre"/> by <paramref name="scale"/> to (<paramref name="x"/>, <paramref name="y"/>) and blends it in through a feathered ellipse.</summary>
    private static unsafe void Paste(Mat frame, byte[] pixels, int w, int h, PointF centre, float d, double scale, double x, double y)
    {
        // The head ellipse in the scaled image: centred 0.1 D below the landmarks' centre, 1.4 D wide either side, 2.0 D up and down.
        double rx = 1.4 * d * scale, ry = 2.0 * d * scale, cy = y + (0.1 * d * scale);
        var feather = Math.Max(2.0, 0.25 * d * scale);
        var x0 = Math.Max(0, (int)Math.Floor(x - rx - feather));
        var y0 = Math.Max(0, (int)Math.Floor(cy - ry - feather));
        var x1 = Math.Min(frame.Cols, (int)Math.Ceiling(x + rx + feather));
        var y1 = Math.Min(frame.Rows, (int)Math.Ceiling(cy + ry + feather));
        var size = new Size(x1 - x0, y1 - y0);
        fixed (byte* source = pixels)
        {
            using var src = Mat.FromPixelData(h, w, MatType.CV_8UC3, (IntPtr)source, w * 3);
            using var map = new Mat(2, 3, MatType.CV_64FC1);
            map.Set(0, 0, scale);
            map.Set(0, 1, 0.0);
            map.Set(0, 2, x - x0 - (centre.X * scale));
            map.Set(1, 0, 0.0);
            map.Set(1, 1, scale);
            map.Set(1, 2, y - y0 - (centre.Y * scale));
            using var head = new Mat();
            Cv2.WarpAffine(src, head, map, size, scale >= 1 ? InterpolationFlags.Cubic : InterpolationFlags.Area, BorderTypes.Replicate);
            using var target = new Mat(frame, new Rect(x0, y0, size.Width, size.Height));
            for (var row = 0; row < size.Height; row++)
            {
                var dy = (y0 + row + 0.5 - cy) / ry;
                for (var col = 0; col < size.Width; col++)
                {
                    var dx = (x0 + col + 0.5 - x) / rx;
                    var dist = Math.Sqrt((dx * dx) + (dy * dy));

                    // 1 inside, 0 outside, a linear edge of `feather` pixels across the ellipse's boundary.
                    var alpha = Math.Clamp((1 - dist) * Math.Min(rx, ry) / feather + 0.5, 0, 1);
                    if (alpha <= 0)
                    {
                        continue;
                    }

                    var f = head.At<Vec3b>(row, col);
                    var b = target.At<Vec3b>(row, col);
                    target.Set(row, col, new Vec3b(
                        (byte)Math.Round((f.Item0 * alpha) + (b.Item0 * (1 - alpha))),
                        (byte)Math.Round((f.Item1 * alpha) + (b.Item1 * (1 - alpha))),
                        (byte)Math.Round((f.Item2 * alpha) + (b.Item2 * (1 - alpha)))));
                }
            }
        }
    }

    /// <summary>Draws the empty ward: wall, floor, and per bed a frame, a mattress, a pillow and a blanket.</summary>
    private static Mat DrawWard(WardSceneOptions options)
    {
        int width = options.Width, height = options.Height;
        var frame = new Mat(height, width, MatType.CV_8UC3);
        var horizon = (int)(height * 0.30);

        // Wall: pale green-grey, lighter towards the top; floor: grey-beige, lighter towards the camera.
        for (var y = 0; y < height; y++)
        {
            var color = y < horizon
                ? Lerp(new Scalar(196, 206, 200), new Scalar(176, 188, 182), y / (double)horizon)
                : Lerp(new Scalar(150, 160, 168), new Scalar(178, 186, 192), (y - horizon) / (double)(height - horizon));
            Cv2.Line(frame, new Point(0, y), new Point(width - 1, y), color, 1, LineTypes.Link4);
        }

        // A window and a handrail on the wall.
        Cv2.Rectangle(frame, new Rect((int)(width * 0.40), (int)(height * 0.02), (int)(width * 0.20), (int)(height * 0.20)), new Scalar(222, 214, 196), -1, LineTypes.AntiAlias);
        Cv2.Rectangle(frame, new Rect((int)(width * 0.40), (int)(height * 0.02), (int)(width * 0.20), (int)(height * 0.20)), new Scalar(120, 120, 120), 6, LineTypes.AntiAlias);
        Cv2.Line(frame, new Point(0, horizon - 20), new Point(width, horizon - 20), new Scalar(140, 140, 130), 8, LineTypes.AntiAlias);

        foreach (var bed in options.Beds)
        {
            var r = bed.Region;
            var bx = (int)(r.X * width);
            var by = (int)(r.Y * height);
            var bw = (int)(r.Width * width);
            var bh = (int)(r.Height * height);
            var cx = bx + (bw / 2);
            var d = bed.InterOcularPixels;

            // Bed frame (dark), mattress (white), headboard behind the pillow.
            Cv2.Rectangle(frame, new Rect(bx + (bw / 10), by + (bh / 12), bw * 8 / 10, bh * 11 / 12), new Scalar(90, 92, 96), -1, LineTypes.AntiAlias);
            Cv2.Rectangle(frame, new Rect(bx + (bw / 10) + 10, by + (bh / 12) + 10, (bw * 8 / 10) - 20, (bh * 11 / 12) - 20), new Scalar(236, 238, 238), -1, LineTypes.AntiAlias);

            // Pillow behind the head (a soft off-white rounded shape).
            Cv2.Ellipse(frame, new Point(cx, by + (int)(bh * 0.36)), new Size((int)(2.6 * d), (int)(2.0 * d)), 0, 0, 360, new Scalar(224, 230, 232), -1, LineTypes.AntiAlias);
            Cv2.Ellipse(frame, new Point(cx, by + (int)(bh * 0.36)), new Size((int)(2.6 * d), (int)(2.0 * d)), 0, 0, 360, new Scalar(200, 206, 210), 3, LineTypes.AntiAlias);

            // Blanket from below the chin to the foot of the bed, with a folded edge.
            var top = by + (int)(bh * 0.36) + (int)(2.4 * d);
            var bottom = by + bh - 14;
            if (top < bottom)
            {
                Cv2.Rectangle(frame, new Rect(bx + (bw / 10) + 14, top, (bw * 8 / 10) - 28, bottom - top), new Scalar(196, 160, 120), -1, LineTypes.AntiAlias);
                Cv2.Rectangle(frame, new Rect(bx + (bw / 10) + 14, top, (bw * 8 / 10) - 28, Math.Min(bottom - top, (int)(0.35 * d))), new Scalar(230, 214, 196), -1, LineTypes.AntiAlias);
            }
        }

        // A soft blur so that the drawn edges look like a camera's, not like vector graphics.
        Cv2.GaussianBlur(frame, frame, new Size(0, 0), 1.2);
        return frame;
    }

    private static Scalar Lerp(Scalar a, Scalar b, double t) =>
        new(a.Val0 + ((b.Val0 - a.Val0) * t), a.Val1 + ((b.Val1 - a.Val1) * t), a.Val2 + ((b.Val2 - a.Val2) * t));

    private static PointF Centroid(ReadOnlySpan<PointF> points)
    {
        float x = 0, y = 0;
        foreach (var p in points)
        {
            x += p.X;
            y += p.Y;
        }

        return new PointF(x / points.Length, y / points.Length);
    }

    private static float Distance(PointF a, PointF b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
