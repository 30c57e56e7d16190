// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Vision.Alignment;

namespace PainStream.Vision.Landmarks;

/// <summary>
/// Runs a <see cref="ShapePredictorModel"/> exactly as dlib's <c>shape_predictor::operator()</c> does, on BGR24 pixels.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe: the <c>Predict</c> methods keep all their state on the stack (or in pooled buffers for unusually large models)
/// and only read the shared model, so any number of threads may call them at once on one instance. They do not allocate.
/// </para>
/// <para>
/// The algorithm, step by step as in <c>dlib/image_processing/shape_predictor.h</c>: start from the mean shape; for each
/// cascade, fit the least-squares similarity transform from the mean shape to the current shape (Umeyama, rotation and
/// scale only), place every feature pixel at its anchor landmark plus its offset through that transform, map it into the
/// image through the face box, round to the nearest pixel (outside the image reads 0) and take dlib's grey level of a
/// colour pixel, the truncated mean (B + G + R) / 3; then walk each tree on differences of two feature pixels and add the
/// chosen leaf to the shape, tree by tree in order (so float rounding matches dlib's; with a model loaded with
/// <see cref="ShapePredictorLeaves.Quantized"/> leaves, a cascade's 16-bit leaves are summed in integers and scaled once,
/// which is close to but no longer exactly dlib's sum). The face box maps to dlib's
/// inclusive <c>rectangle(X, Y, X + Width − 1, Y + Height − 1)</c>; integer boxes therefore reproduce dlib exactly.
/// Unlike dlib, the landmarks are returned unrounded (dlib rounds them to integer pixels).
/// </para>
/// </remarks>
public sealed class ShapePredictor
{
    // Above these sizes (never for dlib's published models) the work buffers come from the pool instead of the stack.
    private const int MaxStackFloats = 2048;

    private readonly ShapePredictorModel _model;

    /// <summary>Initializes a new instance of the <see cref="ShapePredictor"/> class.</summary>
    /// <param name="model">The model, shared read-only.</param>
    public ShapePredictor(ShapePredictorModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>Gets the model.</summary>
    public ShapePredictorModel Model => _model;

    /// <summary>Gets the number of landmarks <see cref="Predict(FrameImage, BoxF, Span{PointF})"/> writes.</summary>
    public int LandmarkCount => _model.LandmarkCount;

    /// <summary>Predicts the landmarks of the face in <paramref name="face"/>.</summary>
    /// <param name="image">The image; pixels outside it read as black, as in dlib.</param>
    /// <param name="face">The face box in <paramref name="image"/>'s coordinates (the detector's box, as dlib's 68-point model
    /// was trained on dlib's HOG detector boxes: roughly brows to chin, ear to ear).</param>
    /// <param name="landmarks">Receives <see cref="LandmarkCount"/> points in <paramref name="image"/>'s coordinates (for the
    /// 68-point model the iBUG 300-W order: jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67).</param>
    /// <exception cref="ArgumentException"><paramref name="landmarks"/> is shorter than <see cref="LandmarkCount"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The box has no area or is not finite.</exception>
    public void Predict(FrameImage image, BoxF face, Span<PointF> landmarks) => PredictCore(image, face, [], 0, _model.CascadeCount, landmarks);

    /// <summary>
    /// Predicts the landmarks with only the model's first <paramref name="cascades"/> stages, from the mean face as
    /// <see cref="Predict(FrameImage, BoxF, Span{PointF})"/> does: the cost is proportional to the stages run, and the last stages
    /// only refine. The daemon uses this for faces followed between detections (<c>Detection:FollowCascades</c>, issue 14).
    /// </summary>
    /// <param name="image">The image; pixels outside it read as black, as in dlib.</param>
    /// <param name="face">The face box in <paramref name="image"/>'s coordinates.</param>
    /// <param name="cascades">How many of the first stages to run, 1 to <see cref="ShapePredictorModel.CascadeCount"/> (all:
    /// the same as <see cref="Predict(FrameImage, BoxF, Span{PointF})"/>).</param>
    /// <param name="landmarks">Receives <see cref="LandmarkCount"/> points in <paramref name="image"/>'s coordinates.</param>
    /// <exception cref="ArgumentException"><paramref name="landmarks"/> is shorter than <see cref="LandmarkCount"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The box has no area or is not finite, or <paramref name="cascades"/> is
    /// outside 1 to the model's cascade count.</exception>
    public void Predict(FrameImage image, BoxF face, int cascades, Span<PointF> landmarks)
    {
        ThrowIfBadCascades(cascades);
        PredictCore(image, face, [], 0, cascades, landmarks);
    }

    /// <summary>
    /// Predicts the landmarks of a face followed from an earlier frame (issue 14's warm start): the cascade starts from
    /// <paramref name="start"/> (the previous frame's landmarks, placed in <paramref name="face"/>'s normalised frame as the
    /// mean shape would be) instead of the mean shape, and runs only the last <paramref name="cascades"/> stages, the ones
    /// trained to correct the small residuals left near a fit.
    /// </summary>
    /// <remarks>
    /// Measured and not used by the daemon (<c>PainStream.Benchmarks --tracking-drift --follow-start previous</c>): on a face
    /// moving about 8 px per analysed frame the last stages cannot undo the motion (6–10 px mean drift at 640x360), and
    /// restarting from the mean face with the first stages only (<see cref="Predict(FrameImage, BoxF, int, Span{PointF})"/>)
    /// drifts far less at the same cost.
    /// </remarks>
    /// <param name="image">The image; pixels outside it read as black, as in dlib.</param>
    /// <param name="face">The face box in <paramref name="image"/>'s coordinates (for a followed face, the detector's box as
    /// predicted from <paramref name="start"/>).</param>
    /// <param name="start">At least <see cref="LandmarkCount"/> points in <paramref name="image"/>'s coordinates to start from.</param>
    /// <param name="cascades">How many of the model's last cascades to run, 1 to <see cref="ShapePredictorModel.CascadeCount"/>;
    /// the full count runs every stage (from <paramref name="start"/> rather than the mean shape).</param>
    /// <param name="landmarks">Receives <see cref="LandmarkCount"/> points in <paramref name="image"/>'s coordinates.</param>
    /// <exception cref="ArgumentException"><paramref name="landmarks"/> or <paramref name="start"/> is shorter than
    /// <see cref="LandmarkCount"/>, or <paramref name="start"/> has a point that is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The box has no area or is not finite, or <paramref name="cascades"/> is
    /// outside 1 to the model's cascade count.</exception>
    public void PredictFrom(FrameImage image, BoxF face, ReadOnlySpan<PointF> start, int cascades, Span<PointF> landmarks)
    {
        var count = _model.LandmarkCount;
        if (start.Length < count)
        {
            ThrowLandmarksTooShort(count, nameof(start));
        }

        ThrowIfBadCascades(cascades);
        for (var i = 0; i < count; i++)
        {
            if (!float.IsFinite(start[i].X) || !float.IsFinite(start[i].Y))
            {
                throw new ArgumentException($"Start point {i} is not finite.", nameof(start));
            }
        }

        PredictCore(image, face, start[..count], _model.CascadeCount - cascades, _model.CascadeCount, landmarks);
    }

    private void PredictCore(FrameImage image, BoxF face, ReadOnlySpan<PointF> start, int firstCascade, int endCascade, Span<PointF> landmarks)
    {
        var model = _model;
        var shapeLength = model.InitialShape.Length;
        if (landmarks.Length < shapeLength / 2)
        {
            ThrowLandmarksTooShort(shapeLength / 2, nameof(landmarks));
        }

        if (!(face.Width > 0 && face.Height > 0) || !float.IsFinite(face.X) || !float.IsFinite(face.Y) || !float.IsFinite(face.Right) || !float.IsFinite(face.Bottom))
        {
            ThrowBadBox(face);
        }

        var features = model.FeaturesPerCascade;
        var trees = model.TreesPerCascade;
        float[]? rentedShape = null, rentedFeatures = null;
        int[]? rentedLeaves = null, rentedSums = null;
        var shape = shapeLength <= MaxStackFloats ? stackalloc float[shapeLength] : (rentedShape = ArrayPool<float>.Shared.Rent(shapeLength)).AsSpan(0, shapeLength);
        var pixels = features <= MaxStackFloats ? stackalloc float[features] : (rentedFeatures = ArrayPool<float>.Shared.Rent(features)).AsSpan(0, features);
        var leafIndex = trees <= MaxStackFloats ? stackalloc int[trees] : (rentedLeaves = ArrayPool<int>.Shared.Rent(trees)).AsSpan(0, trees);
        Span<int> sums = model.QuantizedLeaves.Length == 0 ? [] : shapeLength <= MaxStackFloats ? stackalloc int[shapeLength] : (rentedSums = ArrayPool<int>.Shared.Rent(shapeLength)).AsSpan(0, shapeLength);
        try
        {
            Run(model, image, face, start, firstCascade, endCascade, shape, pixels, leafIndex, sums, landmarks);
        }
        finally
        {
            if (rentedShape is not null)
            {
                ArrayPool<float>.Shared.Return(rentedShape);
            }

            if (rentedFeatures is not null)
            {
                ArrayPool<float>.Shared.Return(rentedFeatures);
            }

            if (rentedLeaves is not null)
            {
                ArrayPool<int>.Shared.Return(rentedLeaves);
            }

            if (rentedSums is not null)
            {
                ArrayPool<int>.Shared.Return(rentedSums);
            }
        }
    }

    private static void Run(
        ShapePredictorModel model,
        FrameImage image,
        BoxF face,
        ReadOnlySpan<PointF> start,
        int firstCascade,
        int endCascade,
        Span<float> shape,
        Span<float> pixels,
        Span<int> leafIndex,
        Span<int> sums,
        Span<PointF> landmarks)
    {
        var initial = model.InitialShape;

        // dlib's unnormalizing_tform(rect): (0,0) → top-left corner, (1,1) → bottom-right corner of the inclusive rectangle.
        double left = face.X, top = face.Y;
        double scaleX = (double)face.X + face.Width - 1 - left;
        double scaleY = (double)face.Y + face.Height - 1 - top;
        if (start.IsEmpty || scaleX <= 0 || scaleY <= 0)
        {
            initial.CopyTo(shape);
        }
        else
        {
            // The warm start: the given points in the box's normalised frame (the inverse of the mapping at the end).
            for (var i = 0; i < start.Length; i++)
            {
                shape[2 * i] = (float)((start[i].X - left) / scaleX);
                shape[(2 * i) + 1] = (float)((start[i].Y - top) / scaleY);
            }
        }

        var splitsPerTree = model.SplitsPerTree;
        var leavesPerTree = splitsPerTree + 1;
        var treesPerCascade = model.TreesPerCascade;
        var featuresPerCascade = model.FeaturesPerCascade;
        var shapeLength = shape.Length;
        var splits = model.Splits.AsSpan();
        var leaves = model.Leaves.AsSpan();
        var quantized = model.QuantizedLeaves.AsSpan();

        for (var cascade = firstCascade; cascade < endCascade; cascade++)
        {
            SimilarityFromInitial(initial, shape, out var m00, out var m01, out var m10, out var m11);
            var offset = cascade * featuresPerCascade;
            ExtractPixels(
                image,
                model.Anchors.AsSpan(offset, featuresPerCascade),
                model.DeltaX.AsSpan(offset, featuresPerCascade),
                model.DeltaY.AsSpan(offset, featuresPerCascade),
                shape,
                m00,
                m01,
                m10,
                m11,
                left,
                top,
                scaleX,
                scaleY,
                pixels);

            // The trees of a cascade all read the same feature pixels, so every leaf can be chosen first and then added
            // in tree order: the sums are the same as dlib's, and the leaf fetches no longer wait on the tree walks.
            var firstTree = cascade * treesPerCascade;
            for (var t = 0; t < treesPerCascade; t++)
            {
                var nodes = splits.Slice((firstTree + t) * splitsPerTree, splitsPerTree);
                var node = 0;
                while (node < splitsPerTree)
                {
                    ref readonly var split = ref nodes[node];
                    node = pixels[split.Feature1] - pixels[split.Feature2] > split.Threshold ? (2 * node) + 1 : (2 * node) + 2;
                }

                leafIndex[t] = node - splitsPerTree;
            }

            if (quantized.IsEmpty)
            {
                for (var t = 0; t < treesPerCascade; t++)
                {
                    AddInPlace(shape, leaves.Slice((((firstTree + t) * leavesPerTree) + leafIndex[t]) * shapeLength, shapeLength));
                }
            }
            else
            {
                // 16-bit leaves (one scale per cascade): summed exactly in 32-bit integers, scaled once.
                sums.Clear();
                for (var t = 0; t < treesPerCascade; t++)
                {
                    AddWidened(sums, quantized.Slice((((firstTree + t) * leavesPerTree) + leafIndex[t]) * shapeLength, shapeLength));
                }

                var scale = model.LeafScales[cascade];
                for (var i = 0; i < shapeLength; i++)
                {
                    shape[i] += scale * sums[i];
                }
            }
        }

        for (var i = 0; i < shapeLength / 2; i++)
        {
            landmarks[i] = new PointF((float)((scaleX * shape[2 * i]) + left), (float)((scaleY * shape[(2 * i) + 1]) + top));
        }
    }

    /// <summary>
    /// dlib's <c>find_tform_between_shapes(initial, current).get_m()</c> cast to float: the 2×2 part of the least-squares
    /// similarity transform. In 2-D Umeyama's SVD solution reduces to the closed form a = Σ(f·t)/Σ|f|², b = Σ(f×t)/Σ|f|²
    /// over centred points, M = [a −b; b a]; it is computed in double like dlib's.
    /// </summary>
    private static void SimilarityFromInitial(ReadOnlySpan<float> from, ReadOnlySpan<float> to, out float m00, out float m01, out float m10, out float m11)
    {
        var n = from.Length / 2;
        double mfx = 0, mfy = 0, mtx = 0, mty = 0;
        for (var i = 0; i < n; i++)
        {
            mfx += from[2 * i];
            mfy += from[(2 * i) + 1];
            mtx += to[2 * i];
            mty += to[(2 * i) + 1];
        }

        mfx /= n;
        mfy /= n;
        mtx /= n;
        mty /= n;

        double sigma = 0, dot = 0, cross = 0;
        for (var i = 0; i < n; i++)
        {
            var fx = from[2 * i] - mfx;
            var fy = from[(2 * i) + 1] - mfy;
            var tx = to[2 * i] - mtx;
            var ty = to[(2 * i) + 1] - mty;
            sigma += (fx * fx) + (fy * fy);
            dot += (tx * fx) + (ty * fy);
            cross += (ty * fx) - (tx * fy);
        }

        // dlib keeps the identity scale (c = 1) for a degenerate source shape; the 68-point mean shape never is.
        double a = sigma != 0 ? dot / sigma : 1, b = sigma != 0 ? cross / sigma : 0;
        m00 = (float)a;
        m01 = (float)-b;
        m10 = (float)b;
        m11 = (float)a;
    }

    private static void ExtractPixels(
        FrameImage image,
        ReadOnlySpan<int> anchors,
        ReadOnlySpan<float> deltaX,
        ReadOnlySpan<float> deltaY,
        ReadOnlySpan<float> shape,
        float m00,
        float m01,
        float m10,
        float m11,
        double left,
        double top,
        double scaleX,
        double scaleY,
        Span<float> pixels)
    {
        var i420 = image.Format == FramePixelFormat.I420;
        var data = i420 ? image.Y.Data : image.Bgr.Data;
        var stride = i420 ? image.Y.Stride : image.Bgr.Stride;
        var u = i420 ? image.U.Data : default;
        var v = i420 ? image.V.Data : default;
        var chromaStride = i420 ? image.U.Stride : 0;
        double width = image.Width, height = image.Height;
        for (var i = 0; i < pixels.Length; i++)
        {
            var anchor = anchors[i];

            // Float arithmetic, as dlib's matrix<float,2,2> * vector<float,2> + location(current_shape, anchor).
            var dx = deltaX[i];
            var dy = deltaY[i];
            var x = ((m00 * dx) + (m01 * dy)) + shape[2 * anchor];
            var y = ((m10 * dx) + (m11 * dy)) + shape[(2 * anchor) + 1];

            // Then the box transform in double, rounded to a pixel as dlib converts to point: floor(v + 0.5).
            var px = (scaleX * x) + left + 0.5;
            var py = (scaleY * y) + top + 0.5;
            if (px >= 0 && px < width && py >= 0 && py < height)
            {
                if (i420)
                {
                    // The grey view: the luma byte plus the chroma pair of its 2x2 block, turned into the grey dlib reads
                    // (the channel mean). Luma alone differs in weighting and moved landmarks 0.63 px on the demo clip.
                    var c = ((int)(py / 2) * chromaStride) + (int)(px / 2);
                    pixels[i] = I420Pixels.ChannelMean(data[((int)py * stride) + (int)px], u[c], v[c]);
                }
                else
                {
                    var at = ((int)py * stride) + ((int)px * 3);

                    // dlib's get_pixel_intensity of an RGB pixel: the truncated mean of the three channels.
                    pixels[i] = (data[at] + data[at + 1] + data[at + 2]) / 3;
                }
            }
            else
            {
                pixels[i] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInPlace(Span<float> shape, ReadOnlySpan<float> leaf)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && shape.Length >= Vector<float>.Count)
        {
            var s = MemoryMarshal.Cast<float, Vector<float>>(shape);
            var l = MemoryMarshal.Cast<float, Vector<float>>(leaf);
            for (var v = 0; v < s.Length; v++)
            {
                s[v] += l[v];
            }

            i = s.Length * Vector<float>.Count;
        }

        for (; i < shape.Length; i++)
        {
            shape[i] += leaf[i];
        }
    }

    /// <summary>sums[i] += leaf[i], sign-extending 16 shorts to two vectors of 8 ints at a time where AVX2 is there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWidened(Span<int> sums, ReadOnlySpan<short> leaf)
    {
        ref var s = ref MemoryMarshal.GetReference(sums);
        ref var l = ref MemoryMarshal.GetReference(leaf);
        var n = (nuint)sums.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref l, i));
                (Vector256.LoadUnsafe(ref s, i) + lower).StoreUnsafe(ref s, i);
                (Vector256.LoadUnsafe(ref s, i + 8) + upper).StoreUnsafe(ref s, i + 8);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref l, i));
                (Vector128.LoadUnsafe(ref s, i) + lower).StoreUnsafe(ref s, i);
                (Vector128.LoadUnsafe(ref s, i + 4) + upper).StoreUnsafe(ref s, i + 4);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref s, i) += Unsafe.Add(ref l, i);
        }
    }

    private void ThrowIfBadCascades(int cascades)
    {
        if (cascades < 1 || cascades > _model.CascadeCount)
        {
            throw new ArgumentOutOfRangeException(nameof(cascades), cascades, $"The number of cascades must be 1 to {_model.CascadeCount}.");
        }
    }

    private static void ThrowLandmarksTooShort(int count, string paramName) =>
        throw new ArgumentException($"The landmark span must hold at least {count} points.", paramName);

    private static void ThrowBadBox(BoxF face) =>
        throw new ArgumentOutOfRangeException(nameof(face), face, "The face box must be finite and have a positive width and height.");
}
