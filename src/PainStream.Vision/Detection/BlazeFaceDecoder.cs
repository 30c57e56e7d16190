// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.CompilerServices;

namespace PainStream.Vision.Detection;

/// <summary>Six BlazeFace keypoints as interleaved (x, y) floats, stored inline.</summary>
[InlineArray(BlazeFaceDecoder.KeypointFloats)]
internal struct KeypointBuffer
{
    private float _element0;
}

/// <summary>A decoded detection in normalised input coordinates (0..1 across the square model input).</summary>
internal struct FaceCandidate
{
    /// <summary>The sigmoid score in [0, 1].</summary>
    public float Score;

    /// <summary>The box centre x.</summary>
    public float CenterX;

    /// <summary>The box centre y.</summary>
    public float CenterY;

    /// <summary>The box width.</summary>
    public float Width;

    /// <summary>The box height.</summary>
    public float Height;

    /// <summary>The keypoints: right eye, left eye, nose tip, mouth, right ear tragion, left ear tragion (subject's view).</summary>
    public KeypointBuffer Keypoints;
}

/// <summary>
/// BlazeFace post-processing on spans, without allocation: score sigmoid and anchor-relative box decoding
/// (MediaPipe <c>TensorsToDetectionsCalculator</c>), then weighted non-maximum suppression
/// (MediaPipe <c>NonMaxSuppressionCalculator</c>, algorithm WEIGHTED).
/// </summary>
internal static class BlazeFaceDecoder
{
    /// <summary>Keypoints per detection.</summary>
    internal const int KeypointCount = 6;

    /// <summary>Floats of keypoint data per detection.</summary>
    internal const int KeypointFloats = KeypointCount * 2;

    /// <summary>Regressor floats per anchor: box (4) then keypoints (12).</summary>
    internal const int RegressorLength = 4 + KeypointFloats;

    /// <summary>Raw scores are clipped to ±this before the sigmoid, as MediaPipe's <c>score_clipping_thresh</c>.</summary>
    internal const float ScoreClip = 100f;

    /// <summary>Decodes every anchor whose score reaches <paramref name="minScore"/>.</summary>
    /// <param name="rawScores">One logit per anchor.</param>
    /// <param name="regressors"><see cref="RegressorLength"/> floats per anchor, in input pixels relative to the anchor centre.</param>
    /// <param name="anchors">Interleaved normalised anchor centres.</param>
    /// <param name="inputSize">The square input size the regressors are measured in.</param>
    /// <param name="minScore">The minimum sigmoid score.</param>
    /// <param name="candidates">Receives the decoded detections; at least as long as the anchor count.</param>
    /// <returns>The number of candidates written.</returns>
    internal static int Decode(
        ReadOnlySpan<float> rawScores,
        ReadOnlySpan<float> regressors,
        ReadOnlySpan<float> anchors,
        int inputSize,
        float minScore,
        Span<FaceCandidate> candidates)
    {
        var count = rawScores.Length;
        if (regressors.Length < count * RegressorLength || anchors.Length < count * 2 || candidates.Length < count)
        {
            ThrowShapeMismatch();
        }

        var inverse = 1f / inputSize;
        var written = 0;
        for (var i = 0; i < count; i++)
        {
            var raw = Math.Clamp(rawScores[i], -ScoreClip, ScoreClip);
            var score = 1f / (1f + MathF.Exp(-raw));
            if (score < minScore)
            {
                continue;
            }

            var r = regressors.Slice(i * RegressorLength, RegressorLength);
            var ax = anchors[i * 2];
            var ay = anchors[(i * 2) + 1];
            ref var c = ref candidates[written++];
            c.Score = score;
            c.CenterX = ax + (r[0] * inverse);
            c.CenterY = ay + (r[1] * inverse);
            c.Width = r[2] * inverse;
            c.Height = r[3] * inverse;
            for (var k = 0; k < KeypointFloats; k += 2)
            {
                c.Keypoints[k] = ax + (r[4 + k] * inverse);
                c.Keypoints[k + 1] = ay + (r[5 + k] * inverse);
            }
        }

        return written;
    }

    /// <summary>
    /// Weighted NMS: repeatedly takes the best remaining detection, gathers every remaining detection whose IoU with it is
    /// above <paramref name="iouThreshold"/> (itself included), and outputs their score-weighted mean box and keypoints with
    /// the best detection's score. Stops when <paramref name="output"/> is full.
    /// </summary>
    /// <param name="candidates">The candidates; sorted in place by descending score.</param>
    /// <param name="iouThreshold">The overlap above which detections merge.</param>
    /// <param name="output">Receives the merged detections, best first; its length caps the count.</param>
    /// <returns>The number of detections written.</returns>
    internal static int WeightedNonMaxSuppression(Span<FaceCandidate> candidates, float iouThreshold, Span<FaceCandidate> output)
    {
        if (candidates.IsEmpty || output.IsEmpty)
        {
            return 0;
        }

        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        Span<bool> merged = candidates.Length <= 1024 ? stackalloc bool[candidates.Length] : new bool[candidates.Length];
        var written = 0;
        for (var i = 0; i < candidates.Length && written < output.Length; i++)
        {
            if (merged[i])
            {
                continue;
            }

            ref readonly var best = ref candidates[i];
            float total = 0, cx = 0, cy = 0, w = 0, h = 0;
            var keypoints = default(KeypointBuffer);
            for (var j = i; j < candidates.Length; j++)
            {
                if (merged[j] || (j != i && IntersectionOverUnion(best, candidates[j]) <= iouThreshold))
                {
                    continue;
                }

                merged[j] = true;
                ref readonly var c = ref candidates[j];
                var s = c.Score;
                total += s;
                cx += c.CenterX * s;
                cy += c.CenterY * s;
                w += c.Width * s;
                h += c.Height * s;
                for (var k = 0; k < KeypointFloats; k++)
                {
                    keypoints[k] += c.Keypoints[k] * s;
                }
            }

            ref var o = ref output[written++];
            var inv = 1f / total;
            o.Score = best.Score;
            o.CenterX = cx * inv;
            o.CenterY = cy * inv;
            o.Width = w * inv;
            o.Height = h * inv;
            for (var k = 0; k < KeypointFloats; k++)
            {
                o.Keypoints[k] = keypoints[k] * inv;
            }
        }

        return written;
    }

    /// <summary>Intersection over union of two candidates' boxes.</summary>
    /// <param name="a">The first candidate.</param>
    /// <param name="b">The second candidate.</param>
    /// <returns>The IoU in [0, 1]; 0 for degenerate boxes.</returns>
    internal static float IntersectionOverUnion(in FaceCandidate a, in FaceCandidate b)
    {
        var left = MathF.Max(a.CenterX - (a.Width / 2), b.CenterX - (b.Width / 2));
        var right = MathF.Min(a.CenterX + (a.Width / 2), b.CenterX + (b.Width / 2));
        var top = MathF.Max(a.CenterY - (a.Height / 2), b.CenterY - (b.Height / 2));
        var bottom = MathF.Min(a.CenterY + (a.Height / 2), b.CenterY + (b.Height / 2));
        var inter = right > left && bottom > top ? (right - left) * (bottom - top) : 0f;
        var union = (MathF.Max(a.Width, 0) * MathF.Max(a.Height, 0)) + (MathF.Max(b.Width, 0) * MathF.Max(b.Height, 0)) - inter;
        return union > 0 ? inter / union : 0f;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShapeMismatch() =>
        throw new ArgumentException("The score, regressor, anchor and candidate spans disagree on the anchor count.");
}
