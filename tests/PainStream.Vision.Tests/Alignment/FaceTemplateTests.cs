// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Vision.Alignment;
using PainStream.Vision.Tests.Landmarks;

namespace PainStream.Vision.Tests.Alignment;

public sealed class FaceTemplateTests
{
    [Theory]
    [InlineData(112)]
    [InlineData(224)]
    [InlineData(97)]
    public void FromModel_EyeCentresOfTheShape_AreAtTheDocumentedFractions(int size)
    {
        var template = FaceTemplate.FromModel(LandmarkFaces.Model, size);
        var right = Face68.RightEyeCentre(template.Points);
        var left = Face68.LeftEyeCentre(template.Points);

        // Fractions of the continuous square [0, size], in pixel-centre coordinates (hence − 0.5).
        Assert.Equal((0.35f * size) - 0.5f, right.X, 1e-3f * size);
        Assert.Equal((0.38f * size) - 0.5f, right.Y, 1e-3f * size);
        Assert.Equal((0.65f * size) - 0.5f, left.X, 1e-3f * size);
        Assert.Equal((0.38f * size) - 0.5f, left.Y, 1e-3f * size);
        Assert.Equal(right, template.RightEye, PointComparer(1e-3f * size));
        Assert.Equal(left, template.LeftEye, PointComparer(1e-3f * size));
        Assert.Equal(size, template.Size);
    }

    [Fact]
    public void FromModel_Shape_IsTheModelsMeanShapeMovedBySimilarityOnly()
    {
        var template = FaceTemplate.FromModel(LandmarkFaces.Model, 112);
        var mean = LandmarkFaces.Model.InitialShape;
        var meanPoints = Enumerable.Range(0, 68).Select(i => new PointF(mean[2 * i], mean[(2 * i) + 1])).ToArray();

        var t = SimilarityTransform.Fit(meanPoints, template.Points);
        var worst = meanPoints.Select((p, i) => Face68.Distance(t.Apply(p), template.Points[i])).Max();

        Assert.True(worst < 1e-3, $"The template deviates from a similar copy of dlib's mean shape by {worst} px.");

        // dlib's mean shape is level (it is trained with mirrored faces), so hardly any rotation was needed.
        Assert.InRange(t.RotationDegrees, -0.5, 0.5);
    }

    [Theory]
    [InlineData(112)]
    [InlineData(224)]
    public void FromModel_WholeFace_FitsInsideTheCropWithAMargin(int size)
    {
        var template = FaceTemplate.FromModel(LandmarkFaces.Model, size);
        var margin = 0.05f * size;

        foreach (var p in template.Points)
        {
            Assert.InRange(p.X, margin, size - 1 - margin);
            Assert.InRange(p.Y, margin, size - 1 - margin);
        }
    }

    [Theory]
    [InlineData(31)]
    [InlineData(1025)]
    public void FromModel_SizeOutOfRange_Throws(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceTemplate.FromModel(LandmarkFaces.Model, size));

    private static EqualityComparer<PointF> PointComparer(float tolerance) =>
        EqualityComparer<PointF>.Create((a, b) => Face68.Distance(a, b) <= tolerance, _ => 0);
}
