// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Core.Pipeline;

/// <summary>
/// One camera's choice, frame by frame, between running the face detector and following the faces of the previous frame
/// by their landmarks (issue 14: detect less, track more). Not thread-safe: the detect stage holds it under a lock.
/// </summary>
/// <remarks>
/// <para>
/// <b>Rules.</b> The detector runs when no face is followed (none found, or the last frame's faces were not plausible),
/// when <see cref="RedetectEveryFrames"/> frames have gone by since it last ran (so a nurse walking in is seen within that
/// many frames), when the frame size changed, and, on the same frame, when a followed face's fit degrades (not
/// a plausible face, quality gate lost, centre or size jump, or its appearance changed: see below). Otherwise every plausible face of the previous frame is followed: its search box for the shape
/// predictor comes from its previous landmarks.
/// </para>
/// <para>
/// <b>The box.</b> The shape predictor was fitted on the detector's boxes, so a followed box must be the box the detector
/// would give for those landmarks. At each detection the tracker records, per face, the detector's box in units of the
/// landmarks' own frame (their centroid and RMS radius); a followed box is that record applied to the previous landmarks.
/// The followed face's keypoints (eye centres, nose tip, mouth) are taken from the previous landmarks, so the plausibility
/// check also bounds how far the face moved in one frame. The previous landmarks themselves travel with the followed face
/// (<see cref="DetectedFace.PriorLandmarks"/>), so the analyser can start the shape predictor from them
/// (<c>Detection:FollowCascades</c>).
/// </para>
/// <para>
/// <b>The appearance check.</b> A followed box on background (the face jumped away or left the picture) still yields a
/// plausible 68-point shape near the previous keypoints, so the geometric checks rarely see it. Each analysis carries a grey
/// signature of its aligned inner face (<see cref="FaceAnalysis.Signature"/>); a followed face whose new signature correlates
/// with its previous frame's below <see cref="MinSimilarity"/> is degraded. The previous signature is the last frame's (detected
/// or followed), so an expression that builds up over several frames is compared step by step.
/// </para>
/// </remarks>
public sealed class FaceFollower
{
    /// <summary>A followed face is degraded when its new landmarks' centre moved more than this fraction of its box width from the previous landmarks' centre.</summary>
    public const float MaxCentreShift = 0.25f;

    /// <summary>A followed face is degraded when its new landmarks' radius differs from the followed one by more than this factor (either way).</summary>
    public const float MaxScaleChange = 1.25f;

    /// <summary>
    /// The default <see cref="MinSimilarity"/>, chosen with <c>PainStream.Benchmarks --tracking-drift --min-similarity</c>
    /// (README, performance: "The appearance check catches jumps and exits"): followed faces of the demo and moving-face clips
    /// score at least 0.97 against their previous frame, neutral against the held grimace 0.79, jumps and exits at most 0.37.
    /// </summary>
    public const float DefaultMinSimilarity = 0.6f;

    private readonly List<Followed> _faces = [];
    private int _sinceDetection;
    private int _width;
    private int _height;

    /// <summary>Initializes a new instance of the <see cref="FaceFollower"/> class.</summary>
    /// <param name="redetectEveryFrames">Run the detector at least once in this many frames; 1 detects every frame.</param>
    public FaceFollower(int redetectEveryFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(redetectEveryFrames, 1);
        RedetectEveryFrames = redetectEveryFrames;
    }

    /// <summary>Gets the largest number of frames between two detections.</summary>
    public int RedetectEveryFrames { get; }

    /// <summary>Gets how many followed frames degraded and were detected again (a figure for the drift benchmark).</summary>
    public long Degraded { get; private set; }

    /// <summary>
    /// Gets the lowest correlation (<see cref="FaceSignature.Similarity"/>) a followed face's signature may have with its previous
    /// frame's before the fit counts as degraded; −1 or less turns the appearance check off (the drift benchmark's baseline).
    /// </summary>
    public float MinSimilarity { get; init; } = DefaultMinSimilarity;

    /// <summary>
    /// Gets the lowest appearance similarity among the faces of the last <see cref="Tracked"/> call, or <see cref="float.NaN"/>
    /// when none was compared (a figure for the drift benchmark).
    /// </summary>
    public float LastSimilarity { get; private set; } = float.NaN;

    /// <summary>Gets the number of faces followed now.</summary>
    public int Following => _faces.Count;

    /// <summary>
    /// Decides for the next frame: returns the faces to follow (boxes from their last landmarks), or <see langword="null"/>
    /// when the detector must run on it.
    /// </summary>
    /// <param name="width">The frame's width.</param>
    /// <param name="height">The frame's height.</param>
    /// <returns>The faces to analyse without detection, or <see langword="null"/>.</returns>
    public IReadOnlyList<DetectedFace>? Next(int width, int height)
    {
        LastSimilarity = float.NaN;
        if (_faces.Count == 0 || width != _width || height != _height || _sinceDetection + 1 >= RedetectEveryFrames)
        {
            return null;
        }

        var result = new DetectedFace[_faces.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _faces[i].Predict();
        }

        return result;
    }

    /// <summary>Records a frame on which the detector ran, with its analyses; plausible faces are followed from now on.</summary>
    /// <param name="width">The frame's width.</param>
    /// <param name="height">The frame's height.</param>
    /// <param name="faces">The detector's faces.</param>
    /// <param name="analyses">Their analyses, one per face (same order).</param>
    public void Detected(int width, int height, IReadOnlyList<DetectedFace> faces, IReadOnlyList<FaceAnalysis>? analyses)
    {
        ArgumentNullException.ThrowIfNull(faces);
        _width = width;
        _height = height;
        _sinceDetection = 0;
        _faces.Clear();
        if (analyses is null || analyses.Count != faces.Count)
        {
            return;
        }

        for (var i = 0; i < faces.Count; i++)
        {
            if (analyses[i].IsPlausibleFace && Followed.TryCreate(faces[i], analyses[i]) is { } followed)
            {
                _faces.Add(followed);
            }
        }
    }

    /// <summary>
    /// Records a frame whose faces were followed. Returns <see langword="false"/> (and follows nothing) when a face's fit
    /// degraded: the caller runs the detector on this same frame and reports <see cref="Detected"/>.
    /// </summary>
    /// <param name="followed">The faces <see cref="Next"/> returned.</param>
    /// <param name="analyses">Their analyses, one per face (same order).</param>
    /// <returns>Whether the followed faces are still good.</returns>
    public bool Tracked(IReadOnlyList<DetectedFace> followed, IReadOnlyList<FaceAnalysis> analyses)
    {
        ArgumentNullException.ThrowIfNull(followed);
        ArgumentNullException.ThrowIfNull(analyses);
        LastSimilarity = float.NaN;
        if (analyses.Count != followed.Count || followed.Count != _faces.Count)
        {
            _faces.Clear();
            return false;
        }

        for (var i = 0; i < analyses.Count; i++)
        {
            if (IsDegraded(_faces[i], followed[i], analyses[i]))
            {
                _faces.Clear();
                return false;
            }
        }

        for (var i = 0; i < analyses.Count; i++)
        {
            _faces[i] = _faces[i].With(analyses[i]);
        }

        _sinceDetection++;
        return true;
    }

    /// <summary>
    /// One frame through the rules: follows the faces when <see cref="Next"/> gives them and their fit holds, else runs
    /// <paramref name="detect"/> (on this same frame when a followed fit degraded) and analyses what it found. The detect
    /// stage and the drift benchmark both call this, so they apply the same rules.
    /// </summary>
    /// <typeparam name="TState">What the callbacks need (avoids a closure per frame).</typeparam>
    /// <param name="width">The frame's width.</param>
    /// <param name="height">The frame's height.</param>
    /// <param name="state">Passed to the callbacks.</param>
    /// <param name="detect">Runs the detector on the frame.</param>
    /// <param name="analyze">Analyses faces of the frame (landmarks, plausibility, pose, quality).</param>
    /// <returns>The faces, their analyses, and whether they were detected or followed.</returns>
    public (IReadOnlyList<DetectedFace> Faces, IReadOnlyList<FaceAnalysis> Analyses, Diagnostics.FaceSource Source) Run<TState>(
        int width,
        int height,
        TState state,
        Func<TState, IReadOnlyList<DetectedFace>> detect,
        Func<TState, IReadOnlyList<DetectedFace>, IReadOnlyList<FaceAnalysis>> analyze)
    {
        ArgumentNullException.ThrowIfNull(detect);
        ArgumentNullException.ThrowIfNull(analyze);
        try
        {
            if (TryFollow(width, height, state, analyze) is { } followed)
            {
                return (followed.Faces, followed.Analyses, Diagnostics.FaceSource.Tracked);
            }

            var faces = detect(state);
            var analyses = analyze(state, faces);
            Detected(width, height, faces, analyses);
            return (faces, analyses, Diagnostics.FaceSource.Detected);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>
    /// The first half of <see cref="Run"/>, for a caller that runs the detector on several frames at once (the detect stage's
    /// batches, issue 14 item 2): follows the faces when <see cref="Next"/> gives them and their fit holds. Returns
    /// <see langword="null"/> when the detector must run on this frame (no face followed, time to redetect, or the followed
    /// fit degraded); the caller then reports what the detector found with <see cref="Detected"/>, or calls
    /// <see cref="Reset"/> if that fails.
    /// </summary>
    /// <typeparam name="TState">What the callback needs (avoids a closure per frame).</typeparam>
    /// <param name="width">The frame's width.</param>
    /// <param name="height">The frame's height.</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="analyze">Analyses faces of the frame (landmarks, plausibility, pose, quality).</param>
    /// <returns>The followed faces and their analyses, or <see langword="null"/>.</returns>
    public (IReadOnlyList<DetectedFace> Faces, IReadOnlyList<FaceAnalysis> Analyses)? TryFollow<TState>(
        int width,
        int height,
        TState state,
        Func<TState, IReadOnlyList<DetectedFace>, IReadOnlyList<FaceAnalysis>> analyze)
    {
        ArgumentNullException.ThrowIfNull(analyze);
        try
        {
            if (Next(width, height) is not { } followed)
            {
                return null;
            }

            var tracked = analyze(state, followed);
            if (Tracked(followed, tracked))
            {
                return (followed, tracked);
            }

            // Degraded: detect this frame. (A learned scorer may already hold crops of the tracked fit: they are
            // scored and their results are not used.)
            Degraded++;
            return null;
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>Forgets every face: the next frame is detected.</summary>
    public void Reset() => _faces.Clear();

    /// <summary>
    /// The degradation rule: the new fit is not a plausible face (shape residual, or the landmarks left the previous
    /// keypoints), its quality gate fails where the detection's passed, or its landmarks' centre or size jumped
    /// (<see cref="MaxCentreShift"/>, <see cref="MaxScaleChange"/>) from the previous landmarks', or its appearance changed
    /// (signature correlation below <see cref="MinSimilarity"/>; not checked when either signature is empty).
    /// </summary>
    private bool IsDegraded(Followed previous, DetectedFace followed, FaceAnalysis analysis)
    {
        if (!analysis.IsPlausibleFace || (analysis.QualityIssue is not null && previous.QualityOk))
        {
            return true;
        }

        if (!Frame68(analysis.Landmarks, out var centre, out var radius))
        {
            return true;
        }

        var expected = previous.Centre;
        var shift = MathF.Sqrt(((centre.X - expected.X) * (centre.X - expected.X)) + ((centre.Y - expected.Y) * (centre.Y - expected.Y)));
        var scale = radius / previous.Radius;
        if (shift > MaxCentreShift * followed.Box.Width || scale > MaxScaleChange || scale < 1 / MaxScaleChange)
        {
            return true;
        }

        var signature = analysis.Signature;
        var similarity = FaceSignature.Similarity(previous.Signature, signature);
        if (float.IsNaN(similarity))
        {
            return false;
        }

        LastSimilarity = float.IsNaN(LastSimilarity) ? similarity : MathF.Min(LastSimilarity, similarity);
        return similarity < MinSimilarity;
    }

    /// <summary>The landmarks' centroid and RMS distance from it; false when there are too few or they are degenerate.</summary>
    private static bool Frame68(PointF[] landmarks, out PointF centre, out float radius)
    {
        centre = default;
        radius = 0;
        if (landmarks.Length < Face68.Count)
        {
            return false;
        }

        float sx = 0, sy = 0;
        for (var i = 0; i < Face68.Count; i++)
        {
            sx += landmarks[i].X;
            sy += landmarks[i].Y;
        }

        centre = new PointF(sx / Face68.Count, sy / Face68.Count);
        float ss = 0;
        for (var i = 0; i < Face68.Count; i++)
        {
            var dx = landmarks[i].X - centre.X;
            var dy = landmarks[i].Y - centre.Y;
            ss += (dx * dx) + (dy * dy);
        }

        radius = MathF.Sqrt(ss / Face68.Count);
        return radius > 0 && float.IsFinite(radius) && float.IsFinite(centre.X) && float.IsFinite(centre.Y);
    }

    /// <summary>One followed face: its detector box in landmark units, its score, its last landmarks and appearance signature.</summary>
    private sealed record Followed(float Dx, float Dy, float W, float H, float Score, bool QualityOk, PointF[] Landmarks, PointF Centre, float Radius, FaceSignature Signature)
    {
        public static Followed? TryCreate(DetectedFace face, FaceAnalysis analysis)
        {
            if (!Frame68(analysis.Landmarks, out var c, out var r))
            {
                return null;
            }

            var box = face.Box;
            var bc = box.Center;
            return new Followed((bc.X - c.X) / r, (bc.Y - c.Y) / r, box.Width / r, box.Height / r, face.Score, analysis.QualityIssue is null, analysis.Landmarks, c, r, analysis.Signature);
        }

        public Followed With(FaceAnalysis analysis) =>
            Frame68(analysis.Landmarks, out var c, out var r) ? this with { Landmarks = analysis.Landmarks, Centre = c, Radius = r, Signature = analysis.Signature } : this;

        public DetectedFace Predict()
        {
            var w = W * Radius;
            var h = H * Radius;
            var box = new BoxF(Centre.X + (Dx * Radius) - (w / 2), Centre.Y + (Dy * Radius) - (h / 2), w, h);
            ReadOnlySpan<PointF> l = Landmarks;
            var mouth = new PointF((l[Face68.UpperInnerLipMiddle].X + l[Face68.LowerInnerLipMiddle].X) / 2, (l[Face68.UpperInnerLipMiddle].Y + l[Face68.LowerInnerLipMiddle].Y) / 2);
            PointF[] keypoints = [Face68.RightEyeCentre(l), Face68.LeftEyeCentre(l), l[Face68.NoseTip], mouth];
            return new DetectedFace(box, Score, keypoints) { PriorLandmarks = Landmarks };
        }
    }
}
