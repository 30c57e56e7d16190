// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Scoring;
using PainStream.Tools.Evaluation;
using PainStream.Tools.Synthesis;

namespace PainStream.Tools.Datasets;

/// <summary>One source face of a synthetic dataset.</summary>
/// <param name="Subject">The subject id: the image's file name without extension (made unique), or for a clip frame the clip's and the frame number (<c>Megamind-f00011</c>).</param>
/// <param name="Name">The source's name in item paths (the subject id).</param>
/// <param name="Scene">The face scaled and centred in its working frame, with its neutral landmarks.</param>
internal sealed record SynthFace(string Subject, string Name, DemoClipScene Scene);

/// <summary>The photometric and geometric augmentation of one synthetic item.</summary>
/// <param name="RotationDegrees">In-plane rotation about the face centre.</param>
/// <param name="Scale">Scale about the face centre.</param>
/// <param name="ShiftX">Horizontal shift, in face widths.</param>
/// <param name="ShiftY">Vertical shift, in face widths.</param>
/// <param name="Contrast">Gain applied to every channel.</param>
/// <param name="Brightness">Offset added after the gain, in grey levels.</param>
/// <param name="BlurSigma">Gaussian blur sigma in pixels of the working frame (0: none).</param>
internal readonly record struct Augmentation(double RotationDegrees, double Scale, double ShiftX, double ShiftY, double Contrast, double Brightness, double BlurSigma);

/// <summary>One synthetic item: where it was written and how it was made.</summary>
/// <param name="Path">Relative path of the crop in the dataset folder.</param>
/// <param name="Subject">The source face's subject id.</param>
/// <param name="Shape">The warp strengths.</param>
/// <param name="Label">The geometric scorer's reading of the warp (see <see cref="GrimaceSynthesizer"/>).</param>
/// <param name="Pspi">The PSPI label: <see cref="PainClassScheme.RoundPspi"/> of <see cref="PspiEstimate.Pspi"/>.</param>
/// <param name="Augmentation">The augmentation applied.</param>
/// <param name="Attempts">How many augmentation draws it took until the face was found again (1 normally).</param>
internal sealed record SynthItem(string Path, string Subject, GrimaceShape Shape, PspiEstimate Label, int Pspi, Augmentation Augmentation, int Attempts);

/// <summary>The outcome of <see cref="GrimaceSynthesizer.Run"/>.</summary>
/// <param name="Items">The items written, in order.</param>
/// <param name="Failed">Items whose face was not found again after every attempt (not written), as "subject #index".</param>
/// <param name="Elapsed">Wall-clock time of the generation.</param>
internal sealed record SynthResult(IReadOnlyList<SynthItem> Items, IReadOnlyList<string> Failed, TimeSpan Elapsed);

/// <summary>
/// Makes a synthetic pain dataset from real faces: each item is a source face warped into a random grimace
/// (<see cref="GrimaceWarper"/>: brow lowering AU4, eye narrowing AU6/7, lip raise AU9/10, eye closure AU43), augmented,
/// then put through the daemon's own face path (detector, 68 landmarks, <see cref="Vision.Alignment.FaceAligner"/>) to the
/// 112-pixel crop, so training sees the crops inference sees, alignment jitter included.
/// </summary>
/// <remarks>
/// <para>
/// <b>The PSPI label.</b> The label is the geometric scorer (<see cref="GeometricPspiScorer"/>, the daemon's own
/// AU4 + max(AU6,AU7) + max(AU9,AU10) + AU43 proxy) applied to the warp's <i>target</i> landmarks, with the source face's
/// landmarks as the neutral baseline, rounded half up to an integer 0–16. The target landmarks are exactly where the warp
/// moved the features, so the label measures the grimace that was drawn, without landmark-detector noise, and it follows
/// the warper's plausibility clamps (a brow that cannot drop further below its lid does not count twice). An analytic
/// mapping of the four strengths (e.g. 5 × strength per AU) was the alternative; it ignores those clamps and the face's own
/// proportions, so equal strengths would mean different displacements on different faces. These labels are
/// <b>synthetic</b>: they define pain as this geometric proxy of the warp, not as observed pain, and a model trained on them
/// is not clinically validated. A neutral item (no warp) is PSPI 0 by construction.
/// </para>
/// <para>
/// <b>Strengths.</b> A quarter of the items are neutral (augmentation only). The rest draw an overall intensity
/// t ~ U(0, 1); brow, eye narrowing and lip raise each are 0 with probability 0.25, else t + U(−0.25, 0.25) clamped to
/// [0, 1]; the eyes close (AU43, strength U(0.6, 1)) with probability 0.15.
/// </para>
/// <para>
/// <b>Augmentation</b> (on the working frame, before detection): rotation U(−10°, 10°) and scale U(0.9, 1.1) about the face
/// centre, shift U(−0.05, 0.05) face widths per axis, contrast U(0.75, 1.25), brightness U(−25, 25), Gaussian blur
/// σ ~ U(0.4, 1.3) px with probability 0.35. The similarity is mostly undone by the alignment, as head roll and distance
/// are in the ward; what remains is the alignment's own jitter. An augmented item whose face is not found again is drawn
/// again (same grimace, new augmentation) up to <see cref="MaxAttempts"/> times, then reported as failed.
/// </para>
/// <para>
/// <b>Determinism.</b> Item i of face f draws from its own <see cref="Random"/> seeded by a fixed mix of (seed, f, i)
/// (<see cref="ItemSeed"/>), so the output depends neither on the number of workers nor on the process: the same command
/// writes the same dataset on every run and machine.
/// </para>
/// </remarks>
internal sealed class GrimaceSynthesizer
{
    /// <summary>How many augmentation draws an item gets before it is reported as failed.</summary>
    public const int MaxAttempts = 4;

    /// <summary>The working frame's side in pixels (the face is <see cref="FaceWidth"/> wide in it).</summary>
    public const int FrameSize = 320;

    /// <summary>The face's width in the working frame, in pixels.</summary>
    public const float FaceWidth = 128;

    /// <summary>The provenance file written beside <c>labels.csv</c>.</summary>
    public const string ProvenanceFileName = "synth.csv";

    private readonly FaceCropper _cropper;
    private readonly GeometricPspiScorer _scorer = new();

    /// <summary>Initializes a new instance of the <see cref="GrimaceSynthesizer"/> class.</summary>
    /// <param name="cropper">The face path.</param>
    public GrimaceSynthesizer(FaceCropper cropper) => _cropper = cropper;

    /// <summary>Gets the working-frame options a source face is placed with.</summary>
    public static DemoClipOptions SceneOptions => new() { Width = FrameSize, Height = FrameSize, FaceWidth = FaceWidth };

    /// <summary>Prepares a source face: the largest face in <paramref name="image"/>, scaled into the working frame.</summary>
    /// <param name="subject">The subject id.</param>
    /// <param name="name">The source's name in item paths.</param>
    /// <param name="image">The image.</param>
    /// <returns>The face, or <see langword="null"/> when the image has none.</returns>
    public SynthFace? Prepare(string subject, string name, BgrImage image)
    {
        var face = _cropper.FindLargest(image);
        return face is null ? null : new SynthFace(subject, name, DemoClipScene.Create(image, face.Box, _cropper.Predictor, SceneOptions));
    }

    /// <summary>Generates <paramref name="perFace"/> items per face into <paramref name="output"/> and writes <c>labels.csv</c> and <see cref="ProvenanceFileName"/>.</summary>
    /// <param name="faces">The source faces.</param>
    /// <param name="perFace">Items per face.</param>
    /// <param name="seed">The random seed.</param>
    /// <param name="output">The dataset folder (created).</param>
    /// <param name="workers">Parallel workers.</param>
    /// <param name="cancellationToken">Stops the generation.</param>
    /// <returns>The result.</returns>
    public SynthResult Run(IReadOnlyList<SynthFace> faces, int perFace, int seed, string output, int workers, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        Directory.CreateDirectory(output);
        var total = faces.Count * perFace;
        var items = new SynthItem?[total];
        var baselines = faces.Select(f => new NeutralBaseline(AuProxies.FromLandmarks(f.Scene.Landmarks.ToArray()))).ToArray();
        Parallel.For(
            0,
            total,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cancellationToken },
            () => new Worker(_cropper),
            (n, _, worker) =>
            {
                var f = n / perFace;
                var i = n % perFace;
                items[n] = Make(worker, faces[f], baselines[f], f, i, seed, output);
                return worker;
            },
            _ => { });

        var written = items.Where(i => i is not null).Select(i => i!).ToList();
        var failed = new List<string>();
        for (var n = 0; n < total; n++)
        {
            if (items[n] is null)
            {
                failed.Add(string.Create(CultureInfo.InvariantCulture, $"{faces[n / perFace].Name} #{n % perFace}"));
            }
        }

        DatasetLabels.Write(Path.Combine(output, DatasetLabels.FileName), written.Select((item, k) => new LabelRow(k + 2, item.Path, item.Subject, item.Pspi, null, null)));
        WriteProvenance(Path.Combine(output, ProvenanceFileName), written);
        return new SynthResult(written, failed, stopwatch.Elapsed);
    }

    /// <summary>Draws the grimace of one item (see the class remarks).</summary>
    /// <param name="random">The item's generator.</param>
    /// <returns>The strengths.</returns>
    internal static GrimaceShape DrawShape(Random random)
    {
        if (random.NextDouble() < 0.25)
        {
            return GrimaceShape.Neutral;
        }

        var t = random.NextDouble();
        float Strength() => random.NextDouble() < 0.25 ? 0f : (float)Math.Clamp(t + ((random.NextDouble() - 0.5) * 0.5), 0, 1);
        var brow = Strength();
        var narrow = Strength();
        var lip = Strength();
        var close = random.NextDouble() < 0.15 ? (float)(0.6 + (0.4 * random.NextDouble())) : 0f;
        return new GrimaceShape(brow, narrow, lip, close);
    }

    /// <summary>Draws one augmentation (see the class remarks).</summary>
    /// <param name="random">The item's generator.</param>
    /// <returns>The augmentation.</returns>
    internal static Augmentation DrawAugmentation(Random random) => new(
        RotationDegrees: (random.NextDouble() * 20) - 10,
        Scale: 0.9 + (random.NextDouble() * 0.2),
        ShiftX: (random.NextDouble() * 0.1) - 0.05,
        ShiftY: (random.NextDouble() * 0.1) - 0.05,
        Contrast: 0.75 + (random.NextDouble() * 0.5),
        Brightness: (random.NextDouble() * 50) - 25,
        BlurSigma: random.NextDouble() < 0.35 ? 0.4 + (random.NextDouble() * 0.9) : 0);

    /// <summary>
    /// The seed of item <paramref name="index"/> of face <paramref name="faceIndex"/>: SplitMix64 steps over the three
    /// values. Not <see cref="HashCode.Combine{T1, T2, T3}"/>, which is randomised per process and made <c>--seed</c>
    /// reproduce a dataset only within one run.
    /// </summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="faceIndex">The source face.</param>
    /// <param name="index">The item of that face.</param>
    /// <returns>A non-negative seed.</returns>
    internal static int ItemSeed(int seed, int faceIndex, int index)
    {
        var x = Mix((ulong)(uint)seed);
        x = Mix(x ^ (uint)faceIndex);
        x = Mix(x ^ (uint)index);
        return (int)(x & int.MaxValue);

        static ulong Mix(ulong z)
        {
            unchecked
            {
                z += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
        }
    }

    private SynthItem? Make(Worker worker, SynthFace face, NeutralBaseline baseline, int faceIndex, int index, int seed, string output)
    {
        var random = new Random(ItemSeed(seed, faceIndex, index));
        var shape = DrawShape(random);
        var scene = face.Scene;
        Span<PointF> source = stackalloc PointF[PiecewiseAffineWarp.LandmarkCount];
        Span<PointF> target = stackalloc PointF[PiecewiseAffineWarp.LandmarkCount];
        for (var k = 0; k < source.Length; k++)
        {
            source[k] = scene.Landmarks[k];
        }

        GrimaceWarper.ComputeTargets(source, shape, target);
        var label = _scorer.Score(target, baseline);
        scene.Render(shape, worker.Frame);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var augmentation = DrawAugmentation(random);
            Augment(worker, scene, augmentation);
            var image = new BgrImage(worker.Augmented, FrameSize, FrameSize, FrameSize * 3);
            if (_cropper.TryCrop(image, worker.Aligner, worker.Crop, worker.Landmarks) is null)
            {
                continue;
            }

            var path = string.Create(CultureInfo.InvariantCulture, $"{face.Subject}/{face.Name}-{index:D4}.png");
            ImageFiles.WritePng(Path.Combine(output, path), worker.Crop, _cropper.CropSize, _cropper.CropSize);
            return new SynthItem(path, face.Subject, shape, label, PainClassScheme.RoundPspi(label.Pspi), augmentation, attempt);
        }

        return null;
    }

    private static void Augment(Worker worker, DemoClipScene scene, Augmentation a)
    {
        var centre = scene.Face.Center;

        // Headers over the worker's arrays (pinned until disposed): OpenCV writes the augmented frame in place.
        using var source = Mat.FromPixelData(FrameSize, FrameSize, MatType.CV_8UC3, worker.Frame, FrameSize * 3);
        using var destination = Mat.FromPixelData(FrameSize, FrameSize, MatType.CV_8UC3, worker.Augmented, FrameSize * 3);
        using var matrix = Cv2.GetRotationMatrix2D(new Point2f(centre.X, centre.Y), a.RotationDegrees, a.Scale);
        matrix.Set(0, 2, matrix.Get<double>(0, 2) + (a.ShiftX * scene.Face.Width));
        matrix.Set(1, 2, matrix.Get<double>(1, 2) + (a.ShiftY * scene.Face.Width));
        Cv2.WarpAffine(source, destination, matrix, new Size(FrameSize, FrameSize), InterpolationFlags.Linear, BorderTypes.Reflect101);
        destination.ConvertTo(destination, MatType.CV_8UC3, a.Contrast, a.Brightness);
        if (a.BlurSigma > 0)
        {
            Cv2.GaussianBlur(destination, destination, new Size(0, 0), a.BlurSigma);
        }
    }

    private static void WriteProvenance(string file, IReadOnlyList<SynthItem> items)
    {
        var text = new StringBuilder("path,subject,pspi,pspi_exact,au4,au6_7,au9_10,au43,brow_lower,eye_narrow,lip_raise,eye_close,rotation_deg,scale,shift_x,shift_y,contrast,brightness,blur_sigma,attempts\n");
        foreach (var i in items)
        {
            var (s, l, a) = (i.Shape, i.Label, i.Augmentation);
            text.Append(DatasetLabels.Quote(i.Path)).Append(',').Append(DatasetLabels.Quote(i.Subject)).Append(CultureInfo.InvariantCulture,
                $",{i.Pspi},{l.Pspi:F4},{l.Au4:F4},{l.Au6Or7:F4},{l.Au9Or10:F4},{l.Au43:F4},{s.BrowLower:F4},{s.EyeNarrow:F4},{s.LipRaise:F4},{s.EyeClose:F4},{a.RotationDegrees:F3},{a.Scale:F4},{a.ShiftX:F4},{a.ShiftY:F4},{a.Contrast:F4},{a.Brightness:F3},{a.BlurSigma:F3},{i.Attempts}\n");
        }

        File.WriteAllText(file, text.ToString());
    }

    /// <summary>One worker thread's buffers.</summary>
    private sealed class Worker(FaceCropper cropper)
    {
        public byte[] Frame { get; } = new byte[FrameSize * FrameSize * 3];

        public byte[] Augmented { get; } = new byte[FrameSize * FrameSize * 3];

        public byte[] Crop { get; } = new byte[cropper.CropBytes];

        public PointF[] Landmarks { get; } = new PointF[PiecewiseAffineWarp.LandmarkCount];

        public Vision.Alignment.FaceAligner Aligner { get; } = cropper.CreateAligner();
    }
}
