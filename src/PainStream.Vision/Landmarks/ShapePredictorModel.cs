// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using PainStream.Inference.Onnx;

namespace PainStream.Vision.Landmarks;

/// <summary>
/// A dlib <c>shape_predictor</c> (an ensemble of regression trees, Kazemi and Sullivan 2014) loaded from dlib's own
/// serialisation, for example the 68-point iBUG 300-W model from Debian <c>libdlib-data</c>.
/// </summary>
/// <remarks>
/// <para>
/// Immutable once loaded, so one instance (about 38 MB of arrays for the 68-point model with 16-bit leaves, 70 MB with dlib's
/// float leaves) is shared by every thread;
/// load it once per process. <see cref="ShapePredictor"/> runs it.
/// </para>
/// <para>
/// File layout (<c>dlib/image_processing/shape_predictor.h</c>): <c>int</c> version (1); the mean shape as a
/// <c>matrix&lt;float,0,1&gt;</c> (rows, cols, then 2·parts floats x0 y0 x1 y1 …, normalised to the face box); the forests as
/// <c>vector&lt;vector&lt;regression_tree&gt;&gt;</c>, one per cascade, each tree being <c>vector&lt;split_feature&gt;</c>
/// (idx1, idx2, thresh) and <c>vector&lt;matrix&lt;float,0,1&gt;&gt;</c> leaves; then per cascade the feature pixels'
/// anchor landmark indices (<c>vector&lt;vector&lt;unsigned long&gt;&gt;</c>) and their offsets from the anchor in the mean
/// shape's frame (<c>vector&lt;vector&lt;vector&lt;float,2&gt;&gt;&gt;</c>).
/// </para>
/// <para>
/// Stored flat for inference: leaves as one contiguous array (tree-major, leaf, coordinate; 16-bit with a scale per cascade
/// unless <see cref="ShapePredictorLeaves.Exact"/> is asked for), splits as one array of
/// small structs (a tree walk reads idx1, idx2 and the threshold of a node together, so they share a cache line rather
/// than living in three arrays), anchors and offsets as per-field arrays indexed by cascade·features + feature.
/// </para>
/// </remarks>
public sealed class ShapePredictorModel
{
    /// <summary>The leaf storage of <see cref="LoadFace68(string)"/>, <see cref="Load(string, string)"/> and <see cref="Parse(ReadOnlySpan{byte}, string)"/>.</summary>
    public const ShapePredictorLeaves DefaultLeaves = ShapePredictorLeaves.Quantized;

    /// <summary>The 68-point model's path relative to the models directory, as listed in <c>models/manifest.json</c>.</summary>
    public const string Face68RelativePath = "dlib/shape_predictor_68_face_landmarks.dat";

    private ShapePredictorModel(
        string path,
        float[] initialShape,
        int cascadeCount,
        int treesPerCascade,
        int splitsPerTree,
        int featuresPerCascade,
        SplitNode[] splits,
        float[] leaves,
        short[] quantizedLeaves,
        float[] leafScales,
        int[] anchors,
        float[] deltaX,
        float[] deltaY)
    {
        Path = path;
        InitialShape = initialShape;
        CascadeCount = cascadeCount;
        TreesPerCascade = treesPerCascade;
        SplitsPerTree = splitsPerTree;
        FeaturesPerCascade = featuresPerCascade;
        Splits = splits;
        Leaves = leaves;
        QuantizedLeaves = quantizedLeaves;
        LeafScales = leafScales;
        Anchors = anchors;
        DeltaX = deltaX;
        DeltaY = deltaY;
    }

    /// <summary>Gets the full path of the file this model was loaded from.</summary>
    public string Path { get; }

    /// <summary>Gets the number of landmarks (68 for the iBUG 300-W model).</summary>
    public int LandmarkCount => InitialShape.Length / 2;

    /// <summary>Gets the number of cascade stages (15 for the 68-point model).</summary>
    public int CascadeCount { get; }

    /// <summary>Gets the number of regression trees per cascade stage (500 for the 68-point model).</summary>
    public int TreesPerCascade { get; }

    /// <summary>Gets the number of split nodes per tree (15 for depth-4 trees); a tree has one more leaf than splits.</summary>
    public int SplitsPerTree { get; }

    /// <summary>Gets the number of feature pixels sampled per cascade stage (dlib's <c>feature_pool_size</c>).</summary>
    public int FeaturesPerCascade { get; }

    /// <summary>Gets the number of leaves per tree.</summary>
    public int LeavesPerTree => SplitsPerTree + 1;

    /// <summary>Gets the mean shape, x0 y0 x1 y1 …, with the face box mapped to the unit square.</summary>
    internal float[] InitialShape { get; }

    /// <summary>Gets the split nodes, [cascade·trees + tree]·splits + node.</summary>
    internal SplitNode[] Splits { get; }

    /// <summary>Gets how the leaf table is stored (<see cref="ShapePredictorLeaves"/>).</summary>
    public ShapePredictorLeaves LeafPrecision => QuantizedLeaves.Length > 0 ? ShapePredictorLeaves.Quantized : ShapePredictorLeaves.Exact;

    /// <summary>
    /// Gets the leaf shape increments, ([cascade·trees + tree]·leaves + leaf)·2·landmarks + coordinate, as read from the file;
    /// empty when the model was loaded with <see cref="ShapePredictorLeaves.Quantized"/>.
    /// </summary>
    internal float[] Leaves { get; }

    /// <summary>
    /// Gets the leaf shape increments in the same order as <see cref="Leaves"/>, quantised to 16 bits with one scale per
    /// cascade (<see cref="LeafScales"/>: value ≈ scale · stored); empty when the model was loaded with
    /// <see cref="ShapePredictorLeaves.Exact"/>.
    /// </summary>
    internal short[] QuantizedLeaves { get; }

    /// <summary>Gets each cascade's leaf scale for <see cref="QuantizedLeaves"/> (empty for float leaves).</summary>
    internal float[] LeafScales { get; }

    /// <summary>Gets each feature pixel's anchor landmark, cascade·features + feature.</summary>
    internal int[] Anchors { get; }

    /// <summary>Gets each feature pixel's x offset from its anchor, in the mean shape's frame.</summary>
    internal float[] DeltaX { get; }

    /// <summary>Gets each feature pixel's y offset from its anchor, in the mean shape's frame.</summary>
    internal float[] DeltaY { get; }

    /// <summary>
    /// Verifies <see cref="Face68RelativePath"/> against <c>models/manifest.json</c> and loads it.
    /// </summary>
    /// <param name="modelsDirectory">The models directory.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The file is missing, fails its checksum or cannot be parsed; the message names it.</exception>
    public static ShapePredictorModel LoadFace68(string modelsDirectory) => Load(modelsDirectory, Face68RelativePath);

    /// <summary>
    /// Verifies <see cref="Face68RelativePath"/> against <c>models/manifest.json</c> and loads it with the given leaf storage.
    /// </summary>
    /// <param name="modelsDirectory">The models directory.</param>
    /// <param name="leaves">How to store the leaf table.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The file is missing, fails its checksum or cannot be parsed; the message names it.</exception>
    public static ShapePredictorModel LoadFace68(string modelsDirectory, ShapePredictorLeaves leaves) => Load(modelsDirectory, Face68RelativePath, leaves);

    /// <summary>Verifies a shape-predictor file against <c>models/manifest.json</c> and loads it.</summary>
    /// <param name="modelsDirectory">The models directory.</param>
    /// <param name="relativePath">The file's path relative to the models directory, as listed in the manifest.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The file is missing, fails its checksum or cannot be parsed; the message names it.</exception>
    public static ShapePredictorModel Load(string modelsDirectory, string relativePath) => Load(modelsDirectory, relativePath, DefaultLeaves);

    /// <summary>Verifies a shape-predictor file against <c>models/manifest.json</c> and loads it with the given leaf storage.</summary>
    /// <param name="modelsDirectory">The models directory.</param>
    /// <param name="relativePath">The file's path relative to the models directory, as listed in the manifest.</param>
    /// <param name="leaves">How to store the leaf table.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The file is missing, fails its checksum or cannot be parsed; the message names it.</exception>
    public static ShapePredictorModel Load(string modelsDirectory, string relativePath, ShapePredictorLeaves leaves)
    {
        var path = ModelFile.Verify(modelsDirectory, relativePath);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            throw new ModelFileException($"Model file '{path}' could not be read: {ex.Message}", path, ex);
        }

        return Parse(bytes, path, leaves);
    }

    /// <summary>Parses dlib's serialisation of a <c>shape_predictor</c> (no checksum check: use <see cref="Load(string, string)"/> for files).</summary>
    /// <param name="data">The serialised model.</param>
    /// <param name="path">The file the bytes came from, for messages and <see cref="Path"/>.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The data is truncated or not a version-1 shape predictor; the message names <paramref name="path"/>.</exception>
    public static ShapePredictorModel Parse(ReadOnlySpan<byte> data, string path) => Parse(data, path, DefaultLeaves);

    /// <summary>Parses dlib's serialisation of a <c>shape_predictor</c> with the given leaf storage.</summary>
    /// <param name="data">The serialised model.</param>
    /// <param name="path">The file the bytes came from, for messages and <see cref="Path"/>.</param>
    /// <param name="leaves">How to store the leaf table.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The data is truncated or not a version-1 shape predictor; the message names <paramref name="path"/>.</exception>
    public static ShapePredictorModel Parse(ReadOnlySpan<byte> data, string path, ShapePredictorLeaves leaves)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Enum.IsDefined(leaves))
        {
            throw new ArgumentOutOfRangeException(nameof(leaves), leaves, "Unknown leaf storage.");
        }

        var reader = new DlibReader(data);
        try
        {
            return Parse(ref reader, path, leaves);
        }
        catch (Exception ex) when (ex is InvalidDataException or OverflowException)
        {
            throw new ModelFileException(
                $"Model file '{path}' is not a valid dlib shape_predictor: {ex.Message}. Run models/fetch to fetch it again.", path, ex);
        }
    }

    private static ShapePredictorModel Parse(ref DlibReader reader, string path, ShapePredictorLeaves precision)
    {
        var version = reader.ReadInt32();
        if (version != 1)
        {
            throw new InvalidDataException($"unsupported shape_predictor version {version} (expected 1)");
        }

        var initialShape = ReadColumnVector(ref reader, -1, "initial shape");
        if (initialShape.Length == 0 || initialShape.Length % 2 != 0)
        {
            throw new InvalidDataException($"initial shape has {initialShape.Length} values (expected a positive even count)");
        }

        var shapeLength = initialShape.Length;
        var cascadeCount = ReadCount(ref reader, "cascade count", 1024);
        int treesPerCascade = -1, splitsPerTree = -1;
        SplitNode[] splits = [];
        float[] leaves = [];
        var maxFeature = -1;
        for (var c = 0; c < cascadeCount; c++)
        {
            var trees = ReadCount(ref reader, "tree count", 1 << 16);
            if (c == 0)
            {
                treesPerCascade = trees;
            }
            else if (trees != treesPerCascade)
            {
                throw new InvalidDataException($"cascade {c} has {trees} trees, cascade 0 has {treesPerCascade}");
            }

            for (var t = 0; t < trees; t++)
            {
                var treeIndex = (c * treesPerCascade) + t;
                var splitCount = ReadCount(ref reader, "split count", 1 << 12);
                if (splitsPerTree < 0)
                {
                    splitsPerTree = splitCount;
                    if (!int.IsPow2(splitCount + 1))
                    {
                        throw new InvalidDataException($"trees have {splitCount} splits (expected 2^depth − 1)");
                    }

                    var treeTotal = checked(cascadeCount * treesPerCascade);
                    splits = new SplitNode[checked(treeTotal * splitsPerTree)];
                    var leafTotal = checked(treeTotal * (splitsPerTree + 1) * shapeLength);

                    // Float leaves are kept (on huge pages); for 16-bit ones this is only a parse buffer.
                    leaves = precision == ShapePredictorLeaves.Exact ? HugePageArrays.Floats(leafTotal) : GC.AllocateUninitializedArray<float>(leafTotal);
                }
                else if (splitCount != splitsPerTree)
                {
                    throw new InvalidDataException($"tree {treeIndex} has {splitCount} splits, the first tree has {splitsPerTree}");
                }

                for (var s = 0; s < splitCount; s++)
                {
                    var idx1 = reader.ReadCount("split feature index");
                    var idx2 = reader.ReadCount("split feature index");
                    var thresh = reader.ReadSingle();
                    maxFeature = Math.Max(maxFeature, Math.Max(idx1, idx2));
                    splits[(treeIndex * splitsPerTree) + s] = new SplitNode(idx1, idx2, thresh);
                }

                var leafCount = ReadCount(ref reader, "leaf count", 1 << 13);
                if (leafCount != splitsPerTree + 1)
                {
                    throw new InvalidDataException($"tree {treeIndex} has {leafCount} leaves for {splitsPerTree} splits");
                }

                var leafBase = treeIndex * leafCount * shapeLength;
                for (var l = 0; l < leafCount; l++)
                {
                    ReadColumnVectorInto(ref reader, leaves.AsSpan(leafBase + (l * shapeLength), shapeLength), "leaf");
                }
            }
        }

        if (cascadeCount == 0 || treesPerCascade <= 0)
        {
            throw new InvalidDataException("the model has no regression trees");
        }

        var anchorCascades = ReadCount(ref reader, "anchor cascade count", 1024);
        if (anchorCascades != cascadeCount)
        {
            throw new InvalidDataException($"{anchorCascades} anchor lists for {cascadeCount} cascades");
        }

        int[] anchors = [];
        var featuresPerCascade = -1;
        for (var c = 0; c < cascadeCount; c++)
        {
            var count = ReadCount(ref reader, "feature count", 1 << 16);
            if (c == 0)
            {
                featuresPerCascade = count;
                anchors = new int[checked(cascadeCount * count)];
            }
            else if (count != featuresPerCascade)
            {
                throw new InvalidDataException($"cascade {c} has {count} feature pixels, cascade 0 has {featuresPerCascade}");
            }

            for (var i = 0; i < count; i++)
            {
                var anchor = reader.ReadCount("anchor index");
                anchors[(c * count) + i] = anchor < shapeLength / 2
                    ? anchor
                    : throw new InvalidDataException($"anchor index {anchor} out of range ({shapeLength / 2} landmarks)");
            }
        }

        if (maxFeature >= featuresPerCascade)
        {
            throw new InvalidDataException($"a split uses feature {maxFeature} but cascades have {featuresPerCascade} feature pixels");
        }

        var deltaCascades = ReadCount(ref reader, "delta cascade count", 1024);
        if (deltaCascades != cascadeCount)
        {
            throw new InvalidDataException($"{deltaCascades} delta lists for {cascadeCount} cascades");
        }

        var deltaX = new float[anchors.Length];
        var deltaY = new float[anchors.Length];
        for (var c = 0; c < cascadeCount; c++)
        {
            var count = ReadCount(ref reader, "delta count", 1 << 16);
            if (count != featuresPerCascade)
            {
                throw new InvalidDataException($"cascade {c} has {count} deltas for {featuresPerCascade} feature pixels");
            }

            for (var i = 0; i < count; i++)
            {
                deltaX[(c * count) + i] = reader.ReadSingle();
                deltaY[(c * count) + i] = reader.ReadSingle();
            }
        }

        if (reader.Remaining != 0)
        {
            throw new InvalidDataException($"{reader.Remaining} unexpected bytes after the model");
        }

        short[] quantized = [];
        float[] scales = [];
        if (precision == ShapePredictorLeaves.Quantized)
        {
            (quantized, scales) = Quantize(leaves, cascadeCount);
            leaves = [];
        }

        return new ShapePredictorModel(
            path, initialShape, cascadeCount, treesPerCascade, splitsPerTree, featuresPerCascade, splits, leaves, quantized, scales, anchors, deltaX, deltaY);
    }

    /// <summary>
    /// 16-bit leaves with one scale per cascade: the cascade's largest magnitude maps to ±32767, so a leaf value is off by at
    /// most half a step (max/65534). One scale per cascade (not per tree) lets the predictor add a cascade's 500 leaves in
    /// 32-bit integers (no overflow: 500 · 32767 &lt; 2³¹) and scale the sum once.
    /// </summary>
    private static (short[] Quantized, float[] Scales) Quantize(float[] leaves, int cascadeCount)
    {
        var perCascade = leaves.Length / cascadeCount;
        var quantized = HugePageArrays.Create<short>(leaves.Length);
        var scales = new float[cascadeCount];
        for (var c = 0; c < cascadeCount; c++)
        {
            var values = leaves.AsSpan(c * perCascade, perCascade);
            float max = 0;
            foreach (var v in values)
            {
                if (!float.IsFinite(v))
                {
                    throw new InvalidDataException($"cascade {c} has a leaf value that is not finite");
                }

                max = MathF.Max(max, MathF.Abs(v));
            }

            var scale = max > 0 ? max / short.MaxValue : 1f;
            scales[c] = scale;
            var target = quantized.AsSpan(c * perCascade, perCascade);
            for (var i = 0; i < values.Length; i++)
            {
                target[i] = (short)Math.Clamp(MathF.Round(values[i] / scale), -short.MaxValue, short.MaxValue);
            }
        }

        return (quantized, scales);
    }

    private static int ReadCount(ref DlibReader reader, string what, int max)
    {
        var count = reader.ReadCount(what);
        return count <= max ? count : throw new InvalidDataException($"{what} {count} exceeds {max}");
    }

    private static float[] ReadColumnVector(ref DlibReader reader, int expectedLength, string what)
    {
        var rows = ReadDimensions(ref reader, what);
        if (expectedLength >= 0 && rows != expectedLength)
        {
            throw new InvalidDataException($"{what} has {rows} rows (expected {expectedLength})");
        }

        var values = new float[rows];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadSingle();
        }

        return values;
    }

    private static void ReadColumnVectorInto(ref DlibReader reader, Span<float> destination, string what)
    {
        var rows = ReadDimensions(ref reader, what);
        if (rows != destination.Length)
        {
            throw new InvalidDataException($"{what} has {rows} rows (expected {destination.Length})");
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = reader.ReadSingle();
        }
    }

    private static int ReadDimensions(ref DlibReader reader, string what)
    {
        // dlib writes newer matrices with negated dimensions; both signs mean the same size.
        var rows = Math.Abs(reader.ReadInt64());
        var cols = Math.Abs(reader.ReadInt64());
        if (cols != 1 || rows > 1 << 16)
        {
            throw new InvalidDataException($"{what} is a {rows}x{cols} matrix (expected a column vector)");
        }

        return (int)rows;
    }
}

/// <summary>How a <see cref="ShapePredictorModel"/> stores its leaf table (65 MB of float vectors for the 68-point model).</summary>
public enum ShapePredictorLeaves
{
    /// <summary>
    /// 16-bit integers with one scale per cascade: half the memory traffic per face (the predictor is memory-bound), landmarks
    /// within a small fraction of a pixel of <see cref="Exact"/> (measured in the tests), but no longer dlib's exact sums.
    /// </summary>
    Quantized,

    /// <summary>dlib's float leaves, added in dlib's order: the landmarks dlib itself gives (the dlib comparison tests use this).</summary>
    Exact,
}

/// <summary>One split of a regression tree: go left when <c>feature[Feature1] − feature[Feature2] &gt; Threshold</c>.</summary>
/// <param name="Feature1">The first feature pixel.</param>
/// <param name="Feature2">The second feature pixel.</param>
/// <param name="Threshold">The intensity-difference threshold.</param>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct SplitNode(int Feature1, int Feature2, float Threshold);
