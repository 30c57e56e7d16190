// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Vision.Alignment;
using PainStream.Vision.Landmarks;
using PainStream.Tools.Synthesis;

namespace PainStream.Tools.Datasets;

/// <summary>
/// The daemon's face path for still images, as the dataset verbs and <c>eval</c> use it: the largest face
/// (<see cref="FaceSearch"/>: the whole image, then overlapping regions), dlib's 68 landmarks on the detector's box, and
/// <see cref="FaceAligner"/> to the 112-pixel crop of docs/model-contract.md.
/// </summary>
/// <remarks>Thread-safe: the detector and the predictor are shared; each thread passes its own <see cref="FaceAligner"/> (<see cref="CreateAligner"/>).</remarks>
internal sealed class FaceCropper
{
    /// <summary>The reason given for an image without a face.</summary>
    public const string NoFaceReason = "no face found";

    private readonly IFaceDetector _detector;
    private readonly ShapePredictor _predictor;
    private readonly float _minScore;

    /// <summary>Initializes a new instance of the <see cref="FaceCropper"/> class.</summary>
    /// <param name="detector">The face detector (shared).</param>
    /// <param name="predictor">The 68-point predictor (shared).</param>
    /// <param name="minScore">The smallest detector score accepted.</param>
    public FaceCropper(IFaceDetector detector, ShapePredictor predictor, float minScore)
    {
        _detector = detector;
        _predictor = predictor;
        _minScore = minScore;
        Template = FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize);
    }

    /// <summary>Gets the alignment template (112 px).</summary>
    public FaceTemplate Template { get; }

    /// <summary>Gets the crop's side in pixels.</summary>
    public int CropSize => Template.Size;

    /// <summary>Gets the number of bytes of one crop (BGR24).</summary>
    public int CropBytes => CropSize * CropSize * 3;

    /// <summary>Gets the landmark predictor.</summary>
    public ShapePredictor Predictor => _predictor;

    /// <summary>Creates an aligner for one thread.</summary>
    /// <returns>The aligner.</returns>
    public FaceAligner CreateAligner() => new(Template);

    /// <summary>Finds the largest face scoring at least the minimum score.</summary>
    /// <param name="image">The image.</param>
    /// <returns>The face, or <see langword="null"/>.</returns>
    public DetectedFace? FindLargest(BgrImage image) => FaceSearch.FindLargest(_detector, image, _minScore);

    /// <summary>Finds the largest face, predicts its landmarks and aligns it.</summary>
    /// <param name="image">The image.</param>
    /// <param name="aligner">This thread's aligner.</param>
    /// <param name="crop">Receives <see cref="CropBytes"/> bytes of BGR24.</param>
    /// <param name="landmarks">Receives the 68 landmarks in <paramref name="image"/>'s coordinates.</param>
    /// <param name="cropLandmarks">Receives the same landmarks mapped into the crop, when not empty.</param>
    /// <returns>The detected face, or <see langword="null"/> when there is none (<see cref="NoFaceReason"/>).</returns>
    public DetectedFace? TryCrop(BgrImage image, FaceAligner aligner, Span<byte> crop, Span<PointF> landmarks, Span<PointF> cropLandmarks = default)
    {
        var face = FindLargest(image);
        if (face is null)
        {
            return null;
        }

        _predictor.Predict(image, face.Box, landmarks);
        var aligned = aligner.Align(image, landmarks);
        aligned.Image.Data[..CropBytes].CopyTo(crop);
        for (var i = 0; i < cropLandmarks.Length && i < landmarks.Length; i++)
        {
            cropLandmarks[i] = aligned.Transform.Apply(landmarks[i]);
        }

        return face;
    }

    /// <summary>
    /// Checks an image that already is an aligned crop (<see cref="CropSize"/> square): finds the face in it, as in any
    /// image, and predicts its landmarks there, without resampling the pixels.
    /// </summary>
    /// <param name="crop">The crop.</param>
    /// <param name="landmarks">Receives the 68 landmarks in crop coordinates.</param>
    /// <returns>The detected face, or <see langword="null"/> when there is none.</returns>
    public DetectedFace? TryLandmarkCrop(BgrImage crop, Span<PointF> landmarks)
    {
        var face = FindLargest(crop);
        if (face is not null)
        {
            _predictor.Predict(crop, face.Box, landmarks);
        }

        return face;
    }
}
