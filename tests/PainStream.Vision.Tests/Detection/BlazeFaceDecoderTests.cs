// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

public sealed class BlazeFaceDecoderTests
{
    private const int AnchorCount = 896;
    private const int Size = 128;

    [Fact]
    public void Decode_HandMadeOutput_GivesExpectedBoxKeypointsAndImageCoordinates()
    {
        var anchors = BlazeFaceModel.Front.GenerateAnchors();
        var scores = new float[AnchorCount];
        Array.Fill(scores, -10f);
        var regressors = new float[AnchorCount * BlazeFaceDecoder.RegressorLength];

        // Second layer group, cell (x=3, y=5), anchor 2: centre (3.5/8, 5.5/8) = (0.4375, 0.6875), i.e. (56, 88) input px.
        var index = 512 + (((5 * 8) + 3) * 6) + 2;
        scores[index] = 2f;
        var r = regressors.AsSpan(index * BlazeFaceDecoder.RegressorLength, BlazeFaceDecoder.RegressorLength);
        r[0] = 4; // centre x offset, input px
        r[1] = -8; // centre y offset
        r[2] = 32; // width
        r[3] = 40; // height
        for (var k = 0; k < 6; k++)
        {
            r[4 + (2 * k)] = k; // keypoint k at anchor + (k, -k) px
            r[5 + (2 * k)] = -k;
        }

        var candidates = new FaceCandidate[AnchorCount];
        var count = BlazeFaceDecoder.Decode(scores, regressors, anchors, Size, 0.5f, candidates);

        Assert.Equal(1, count);
        var c = candidates[0];
        Assert.Equal(1f / (1f + MathF.Exp(-2f)), c.Score, 1e-6f);
        Assert.Equal(60f / Size, c.CenterX, 1e-6f);
        Assert.Equal(80f / Size, c.CenterY, 1e-6f);
        Assert.Equal(32f / Size, c.Width, 1e-6f);
        Assert.Equal(40f / Size, c.Height, 1e-6f);
        Assert.Equal(57f / Size, c.Keypoints[2], 1e-6f);
        Assert.Equal(87f / Size, c.Keypoints[3], 1e-6f);

        // A 256x128 image letterboxed into 128: scale 0.5, 32 px bars top and bottom.
        var faces = BlazeFaceDetector.ToFaces(candidates.AsSpan(0, 1), Letterbox.Fit(256, 128, Size));

        var face = Assert.Single(faces);
        Assert.Equal(2 * (60 - 16), face.Box.X, 1e-3f);
        Assert.Equal(2 * (80 - 20 - 32), face.Box.Y, 1e-3f);
        Assert.Equal(64, face.Box.Width, 1e-3f);
        Assert.Equal(80, face.Box.Height, 1e-3f);
        Assert.Equal(6, face.Keypoints.Count);
        Assert.Equal(2 * 56, face.Keypoints[0].X, 1e-3f);
        Assert.Equal(2 * (88 - 32), face.Keypoints[0].Y, 1e-3f);
        Assert.Equal(2 * 61, face.Keypoints[5].X, 1e-3f);
        Assert.Equal(2 * (83 - 32), face.Keypoints[5].Y, 1e-3f);
    }

    [Fact]
    public void Decode_ExtremeRawScores_AreClippedAndFiltered()
    {
        var anchors = BlazeFaceModel.Front.GenerateAnchors();
        var scores = new float[AnchorCount];
        Array.Fill(scores, float.NegativeInfinity);
        scores[7] = 1e9f;
        scores[8] = 0.3f; // sigmoid 0.574, below 0.6
        var regressors = new float[AnchorCount * BlazeFaceDecoder.RegressorLength];
        var candidates = new FaceCandidate[AnchorCount];

        var count = BlazeFaceDecoder.Decode(scores, regressors, anchors, Size, 0.6f, candidates);

        Assert.Equal(1, count);
        Assert.Equal(1f, candidates[0].Score);
        Assert.Equal(anchors[14], candidates[0].CenterX);
    }

    [Fact]
    public void WeightedNonMaxSuppression_OverlappingBoxes_AreMergedByScoreAndSeparateOnesKept()
    {
        FaceCandidate[] candidates =
        [
            Candidate(0.6f, 0.52f, 0.50f, 0.20f, 0.22f, keypointX: 0.60f),
            Candidate(0.8f, 0.20f, 0.20f, 0.10f, 0.10f, keypointX: 0.10f),
            Candidate(0.9f, 0.50f, 0.50f, 0.20f, 0.20f, keypointX: 0.50f),
        ];
        var output = new FaceCandidate[8];

        var count = BlazeFaceDecoder.WeightedNonMaxSuppression(candidates, 0.3f, output);

        Assert.Equal(2, count);
        var merged = output[0];
        Assert.Equal(0.9f, merged.Score);
        Assert.Equal(((0.50f * 0.9f) + (0.52f * 0.6f)) / 1.5f, merged.CenterX, 1e-6f);
        Assert.Equal(0.50f, merged.CenterY, 1e-6f);
        Assert.Equal(((0.20f * 0.9f) + (0.22f * 0.6f)) / 1.5f, merged.Height, 1e-6f);
        Assert.Equal(((0.50f * 0.9f) + (0.60f * 0.6f)) / 1.5f, merged.Keypoints[0], 1e-6f);
        var separate = output[1];
        Assert.Equal(0.8f, separate.Score);
        Assert.Equal(0.20f, separate.CenterX, 1e-6f);
        Assert.Equal(0.10f, separate.Keypoints[0], 1e-6f);
    }

    [Fact]
    public void WeightedNonMaxSuppression_OverlapBelowThreshold_KeepsBoth()
    {
        // Same size, shifted by half a width: IoU = 1/3.
        FaceCandidate[] candidates =
        [
            Candidate(0.9f, 0.40f, 0.5f, 0.2f, 0.2f),
            Candidate(0.7f, 0.50f, 0.5f, 0.2f, 0.2f),
        ];
        var output = new FaceCandidate[8];

        Assert.Equal(1, BlazeFaceDecoder.WeightedNonMaxSuppression(candidates.ToArray(), 0.3f, output));
        Assert.Equal(2, BlazeFaceDecoder.WeightedNonMaxSuppression(candidates.ToArray(), 0.34f, output));
        Assert.Equal(0.40f, output[0].CenterX, 1e-6f);
        Assert.Equal(0.50f, output[1].CenterX, 1e-6f);
    }

    [Fact]
    public void WeightedNonMaxSuppression_OutputShorterThanClusters_KeepsTheBestOnly()
    {
        FaceCandidate[] candidates =
        [
            Candidate(0.7f, 0.1f, 0.1f, 0.1f, 0.1f),
            Candidate(0.95f, 0.5f, 0.5f, 0.1f, 0.1f),
            Candidate(0.8f, 0.9f, 0.9f, 0.1f, 0.1f),
        ];
        var output = new FaceCandidate[2];

        var count = BlazeFaceDecoder.WeightedNonMaxSuppression(candidates, 0.3f, output);

        Assert.Equal(2, count);
        Assert.Equal(0.95f, output[0].Score);
        Assert.Equal(0.8f, output[1].Score);
    }

    [Fact]
    public void WeightedNonMaxSuppression_NoCandidates_ReturnsZero()
    {
        Assert.Equal(0, BlazeFaceDecoder.WeightedNonMaxSuppression([], 0.3f, new FaceCandidate[4]));
    }

    private static FaceCandidate Candidate(float score, float cx, float cy, float w, float h, float keypointX = 0)
    {
        var c = new FaceCandidate { Score = score, CenterX = cx, CenterY = cy, Width = w, Height = h };
        c.Keypoints[0] = keypointX;
        return c;
    }
}
