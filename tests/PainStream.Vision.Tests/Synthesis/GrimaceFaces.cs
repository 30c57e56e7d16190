// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Testing;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;
using PainStream.Tools.Synthesis;
using PainStream.Vision.Tests.Detection;
using PainStream.Vision.Tests.Landmarks;

namespace PainStream.Vision.Tests.Synthesis;

/// <summary>A fixture face to grimace: the image, its face box and its landmarks (jitter-averaged, see <see cref="GrimaceFaces.Predict"/>).</summary>
internal sealed record GrimaceFace(string Name, TestImage Image, BoxF Box, PointF[] Landmarks);

/// <summary>The real faces the grimace tests warp (loaded once per test process) and the landmark measures they check.</summary>
internal static class GrimaceFaces
{
    /// <summary>messi5.jpg is upscaled by this factor before anything else: his face is ~35 px wide, an inter-ocular
    /// distance of ~16 px, which leaves a lid aperture of one or two pixels (the scorer's minimum is 16 px).</summary>
    public const int MessiUpscale = 3;

    private static readonly Lazy<ShapePredictor> LazyPredictor = new(() => new ShapePredictor(LandmarkFaces.Model));
    private static readonly Lazy<GrimaceFace[]> LazyFaces = new(Collect);

    /// <summary>Gets the shared predictor.</summary>
    public static ShapePredictor Predictor => LazyPredictor.Value;

    /// <summary>Gets astronaut.png, messi5.jpg upscaled ×3 and Megamind.avi frame 200 (the bespectacled character facing the
    /// camera), each with its BlazeFace box.</summary>
    public static IReadOnlyList<GrimaceFace> All => LazyFaces.Value;

    /// <summary>Gets one face by name.</summary>
    public static GrimaceFace Get(string name) => All.Single(f => f.Name == name);

    /// <summary>
    /// Predicts landmarks as the mean of 27 predictions on boxes shifted and resized by ±2 % of the box width: a single
    /// prediction moves by a pixel or two when the box moves by one (±5 % of the lid aperture on the astronaut, ±30 % on
    /// messi), which would drown a few-percent feature motion. The pipeline averages over frames instead.
    /// </summary>
    public static PointF[] Predict(BgrImage image, BoxF box)
    {
        var r = MathF.Max(1, MathF.Round(0.02f * box.Width));
        Span<PointF> one = stackalloc PointF[68];
        Span<double> sum = stackalloc double[136];
        var n = 0;
        for (var dx = -r; dx <= r; dx += r)
        {
            for (var dy = -r; dy <= r; dy += r)
            {
                for (var ds = -r; ds <= r; ds += r)
                {
                    Predictor.Predict(image, new BoxF(box.X + dx - (ds / 2), box.Y + dy - (ds / 2), box.Width + ds, box.Height + ds), one);
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

    /// <summary>Warps a face with <paramref name="shape"/> into a new image of the same size.</summary>
    public static TestImage Warp(GrimaceFace face, GrimaceShape shape)
    {
        var output = TestImage.Uniform(face.Image.Width, face.Image.Height, 0);
        GrimaceWarper.Apply(face.Image.View, face.Landmarks, shape, output.Data, output.Stride);
        return output;
    }

    /// <summary>Inter-ocular distance |p36 − p45| (outer eye corners).</summary>
    public static float InterOcular(ReadOnlySpan<PointF> p) => Distance(p[36], p[45]);

    /// <summary>Brow-to-eye: the vertical gap between each brow's centroid and its eye's centroid, mean of both sides, in units of the inter-ocular distance.</summary>
    public static float BrowToEye(ReadOnlySpan<PointF> p) =>
        0.5f * ((Centroid(p, 36, 6).Y - Centroid(p, 17, 5).Y) + (Centroid(p, 42, 6).Y - Centroid(p, 22, 5).Y)) / InterOcular(p);

    /// <summary>Eye aperture: mean upper-to-lower lid distance (37–41, 38–40, 43–47, 44–46) over the inter-ocular distance.</summary>
    public static float Aperture(ReadOnlySpan<PointF> p) =>
        0.25f * (Distance(p[37], p[41]) + Distance(p[38], p[40]) + Distance(p[43], p[47]) + Distance(p[44], p[46])) / InterOcular(p);

    /// <summary>Nose-to-lip: nostril base centroid (31–35) to upper-lip top centroid (50–52), over the inter-ocular distance.</summary>
    public static float NoseToLip(ReadOnlySpan<PointF> p) => Distance(Centroid(p, 31, 5), Centroid(p, 50, 3)) / InterOcular(p);

    /// <summary>Eye aspect ratio, mean of both eyes.</summary>
    public static float EyeAspectRatio(ReadOnlySpan<PointF> p) =>
        0.5f * (((Distance(p[37], p[41]) + Distance(p[38], p[40])) / (2 * Distance(p[36], p[39])))
            + ((Distance(p[43], p[47]) + Distance(p[44], p[46])) / (2 * Distance(p[42], p[45]))));

    /// <summary>Returns a copy of <paramref name="image"/> scaled by <paramref name="factor"/> (bicubic).</summary>
    public static TestImage Upscale(TestImage image, int factor)
    {
        using var source = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, image.Data, image.Stride);
        using var scaled = new Mat();
        Cv2.Resize(source, scaled, new Size(image.Width * factor, image.Height * factor), 0, 0, InterpolationFlags.Cubic);
        return TestImage.FromMat(scaled);
    }

    private static GrimaceFace[] Collect()
    {
        // Faces are boxed by BlazeFace (back 256) as in the pipeline: dlib's model expects a detector's box, and the
        // hand-measured boxes (tighter, taller) give it visibly worse eyes on messi.
        using var detector = new BlazeFaceDetector(BlazeFaceModel.Back, TestPaths.Models, DetectorFixture.Options(), NullLogger.Instance);
        var astronaut = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var messi = Upscale(TestImage.Load(TestPaths.Fixture("messi5.jpg")), MessiUpscale);
        var m = GroundTruth.MessiFace;
        var messiBox = new BoxF(m.X * MessiUpscale, m.Y * MessiUpscale, m.Width * MessiUpscale, m.Height * MessiUpscale);
        var megamind = LandmarkFaces.Images.Single(i => i.Name == "Megamind.avi#200");
        var megamindBox = megamind.Boxes.MaxBy(b => b.Area);
        return
        [
            Make("astronaut", astronaut, Detect(detector, astronaut, GroundTruth.AstronautFace)),
            Make("messi5x3", messi, Detect(detector, messi, messiBox)),
            Make("megamind#200", megamind.Image, Detect(detector, megamind.Image, megamindBox)),
        ];
    }

    /// <summary>The detector's face overlapping <paramref name="near"/> most, as the integer box dlib takes.</summary>
    public static BoxF Detect(IFaceDetector detector, TestImage image, BoxF near)
    {
        var face = detector.Detect(image.View).Where(f => f.Score >= 0.6f).MaxBy(f => f.Box.IntersectionOverUnion(near));
        Assert.True(face is not null && face.Box.IntersectionOverUnion(near) > 0.3f, $"BlazeFace found no face near {near}");
        return LandmarkFaces.ToIntegerBox(face.Box);
    }

    private static GrimaceFace Make(string name, TestImage image, BoxF box) => new(name, image, box, Predict(image.View, box));

    private static PointF Centroid(ReadOnlySpan<PointF> p, int first, int count)
    {
        float x = 0, y = 0;
        for (var i = first; i < first + count; i++)
        {
            x += p[i].X;
            y += p[i].Y;
        }

        return new PointF(x / count, y / count);
    }

    private static float Distance(PointF a, PointF b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
