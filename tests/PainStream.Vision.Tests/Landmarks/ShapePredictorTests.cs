// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PainStream.Core.Detection;
using PainStream.Testing;
using PainStream.Vision.Landmarks;
using PainStream.Inference.Onnx;

namespace PainStream.Vision.Tests.Landmarks;

public sealed class ShapePredictorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("painstream-landmarks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadFace68_InstalledModel_HasTheDimensionsOfDlibsModel()
    {
        var start = Stopwatch.GetTimestamp();
        var model = ShapePredictorModel.LoadFace68(TestPaths.Models);
        TestContext.Current.TestOutputHelper?.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"verified and parsed in {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0} ms"));

        Assert.Equal(68, model.LandmarkCount);
        Assert.Equal(15, model.CascadeCount);
        Assert.Equal(500, model.TreesPerCascade);
        Assert.Equal(15, model.SplitsPerTree);
        Assert.Equal(16, model.LeavesPerTree);
        Assert.InRange(model.FeaturesPerCascade, 100, 2000);
        Assert.EndsWith("shape_predictor_68_face_landmarks.dat", model.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_FixtureFaces_AgreesWithDlibsOwnShapePredictor()
    {
        DlibReference.RequireBinary();
        var predictor = new ShapePredictor(LandmarkFaces.ExactModel);
        var output = TestContext.Current.TestOutputHelper;
        var landmarks = new PointF[68];
        double sumOfMeans = 0, worst = 0;
        int faces = 0, integerAgree = 0, integerTotal = 0;

        var all = DlibReference.Run([.. LandmarkFaces.Images.Select(i => (i.Image, i.Boxes))]);
        var at = 0;
        foreach (var image in LandmarkFaces.Images)
        {
            var reference = all.Skip(at).Take(image.Boxes.Count).ToArray();
            at += image.Boxes.Count;
            for (var k = 0; k < image.Boxes.Count; k++)
            {
                predictor.Predict(image.Image.View, image.Boxes[k], landmarks);
                double sum = 0, max = 0;
                for (var i = 0; i < 68; i++)
                {
                    var d = Distance(landmarks[i], reference[k].Points[i]);
                    sum += d;
                    max = Math.Max(max, d);
                    integerTotal++;
                    if (MathF.Floor(landmarks[i].X + 0.5f) == reference[k].DlibPoints[i].X && MathF.Floor(landmarks[i].Y + 0.5f) == reference[k].DlibPoints[i].Y)
                    {
                        integerAgree++;
                    }
                }

                var mean = sum / 68;
                output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{image.Name} box {image.Boxes[k]}: mean {mean:F6} px, max {max:F6} px"));
                Assert.True(mean <= 0.5, $"{image.Name} box {image.Boxes[k]}: mean distance to dlib {mean:F3} px > 0.5 px");
                Assert.True(max <= 2, $"{image.Name} box {image.Boxes[k]}: max distance to dlib {max:F3} px > 2 px");
                sumOfMeans += mean;
                worst = Math.Max(worst, max);
                faces++;
            }
        }

        output?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{faces} faces: mean {sumOfMeans / faces:F6} px, max {worst:F6} px; rounded like dlib, {integerAgree}/{integerTotal} points equal dlib's integer output"));
        Assert.True(faces >= 8, $"Only {faces} fixture faces were found; expected the astronaut, Messi and several Megamind faces.");

        // Not bit-exactness (dlib's transforms come from an SVD and a pseudo-inverse, ours from closed forms), but a point
        // landing on a different integer than dlib's should stay a rare half-pixel tie.
        Assert.True(integerAgree >= integerTotal * 0.99, $"Only {integerAgree}/{integerTotal} points round to dlib's integer output.");
    }

    [Fact]
    public void Predict_ManyThreadsAtOnce_GiveTheSameResultsAsOneThread()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var work = LandmarkFaces.Images.SelectMany(img => img.Boxes.Select(box => (img.Image, Box: box))).ToArray();
        var expected = work.Select(w =>
        {
            var points = new PointF[68];
            predictor.Predict(w.Image.View, w.Box, points);
            return points;
        }).ToArray();

        var actual = new PointF[work.Length * 8][];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var (image, box) = work[i % work.Length];
            var points = new PointF[68];
            predictor.Predict(image.View, box, points);
            actual[i] = points;
        });

        for (var i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i % work.Length], actual[i]);
        }
    }

    [Fact]
    public void Predict_AfterWarmUp_DoesNotAllocate()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var image = LandmarkFaces.Images[0];
        Span<PointF> landmarks = stackalloc PointF[68];
        predictor.Predict(image.Image.View, image.Boxes[0], landmarks);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            predictor.Predict(image.Image.View, image.Boxes[0], landmarks);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Predict_FaceHalfOutsideTheImage_ReadsOutsidePixelsAsBlackLikeDlib()
    {
        DlibReference.RequireBinary();
        var predictor = new ShapePredictor(LandmarkFaces.ExactModel);
        var astronaut = LandmarkFaces.Images[0].Image;
        BoxF[] boxes = [new(-45, 82, 90, 95), new(460, 470, 90, 95)];
        var reference = DlibReference.Run(astronaut, boxes);
        var landmarks = new PointF[68];

        for (var k = 0; k < boxes.Length; k++)
        {
            predictor.Predict(astronaut.View, boxes[k], landmarks);
            var mean = landmarks.Select((p, i) => Distance(p, reference[k].Points[i])).Average();
            Assert.True(mean <= 0.5, $"box {boxes[k]}: mean distance to dlib {mean:F3} px");
        }
    }

    [Fact]
    public void Predict_ShortLandmarkSpanOrEmptyBox_Throws()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var image = TestImage.Uniform(64, 64, 128);

        Assert.Throws<ArgumentException>(() => predictor.Predict(image.View, new BoxF(0, 0, 32, 32), new PointF[67]));
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Predict(image.View, new BoxF(0, 0, 0, 32), new PointF[68]));
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Predict(image.View, new BoxF(float.NaN, 0, 32, 32), new PointF[68]));
    }

    [Fact]
    public void Load_CorruptModel_ThrowsNamingThePathAndBothChecksums()
    {
        File.Copy(Path.Combine(TestPaths.Models, ModelChecksums.FileName), Path.Combine(_dir, ModelChecksums.FileName));
        var path = Path.Combine(_dir, "dlib", "shape_predictor_68_face_landmarks.dat");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [.. File.ReadAllBytes(Path.Combine(TestPaths.Models, ShapePredictorModel.Face68RelativePath)).Take(4096), 0xFF]);

        var ex = Assert.Throws<ModelFileException>(() => ShapePredictorModel.LoadFace68(_dir));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(ModelFile.ComputeSha256(path), ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.ModelPath);
    }

    [Fact]
    public void Load_TruncatedModelWhoseChecksumIsListed_ThrowsNamingThePath()
    {
        // A manifest that vouches for a truncated file gets past the checksum, so the parser itself must notice.
        var path = Path.Combine(_dir, "dlib", "truncated.dat");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var source = File.OpenRead(Path.Combine(TestPaths.Models, ShapePredictorModel.Face68RelativePath)))
        using (var target = File.Create(path))
        {
            var buffer = new byte[1 << 20];
            source.ReadExactly(buffer);
            target.Write(buffer);
        }

        var manifest = new JsonObject
        {
            ["files"] = new JsonArray(new JsonObject { ["path"] = "dlib/truncated.dat", ["sha256"] = ModelFile.ComputeSha256(path) }),
        };
        File.WriteAllText(Path.Combine(_dir, ModelChecksums.FileName), manifest.ToJsonString());

        var ex = Assert.Throws<ModelFileException>(() => ShapePredictorModel.Load(_dir, "dlib/truncated.dat"));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("end of file", ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.ModelPath);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(50_000_000)]
    [InlineData(99_693_936)]
    public void Parse_TruncatedAnywhere_ThrowsNamingThePath(int length)
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, ShapePredictorModel.Face68RelativePath));

        var ex = Assert.Throws<ModelFileException>(() => ShapePredictorModel.Parse(bytes.AsSpan(0, Math.Min(length, bytes.Length - 1)), "/models/x.dat"));

        Assert.Contains("/models/x.dat", ex.Message, StringComparison.Ordinal);
        Assert.Equal("/models/x.dat", ex.ModelPath);
    }

    [Fact]
    public void Parse_WrongVersion_ThrowsNamingTheVersion()
    {
        byte[] data = [0x01, 0x02];

        var ex = Assert.Throws<ModelFileException>(() => ShapePredictorModel.Parse(data, "/models/v2.dat"));

        Assert.Contains("version 2", ex.Message, StringComparison.Ordinal);
    }

    private static double Distance(PointF a, PointF b) => Math.Sqrt(((double)a.X - b.X) * ((double)a.X - b.X) + (((double)a.Y - b.Y) * ((double)a.Y - b.Y)));
}
