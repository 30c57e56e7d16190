// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>Head pose in degrees (0, 0, 0 is a frontal face looking at the camera).</summary>
/// <param name="Yaw">Rotation about the vertical axis.</param>
/// <param name="Pitch">Rotation about the horizontal axis.</param>
/// <param name="Roll">In-plane rotation.</param>
public readonly record struct FacePose(float Yaw, float Pitch, float Roll);

/// <summary>
/// What the frame-level analysis found for one detected face: its 68 landmarks, head pose and image quality. Made by the
/// detect workers while the frame's pixels are still held; scored later per patient.
/// </summary>
/// <param name="Box">The face box in frame pixels.</param>
/// <param name="DetectorScore">The detector's confidence.</param>
/// <param name="Landmarks">68 points in iBUG 300-W order, frame pixels.</param>
/// <param name="Pose">Head pose, or <see langword="null"/> when it could not be estimated.</param>
/// <param name="QualityIssue">Why the face cannot be scored (e.g. <c>image blurred</c>), or <see langword="null"/> when it can.</param>
public sealed record FaceAnalysis(BoxF Box, float DetectorScore, PointF[] Landmarks, FacePose? Pose, string? QualityIssue)
{
    /// <summary>
    /// The <see cref="QualityIssue"/> of a detection whose landmarks and detector keypoints do not make a human face (noise, a
    /// fractal, a test pattern): the patient stage treats it as no face at all, so it cannot feed a baseline, a score, a
    /// track or close the face-not-visible alarm.
    /// </summary>
    public const string NotAFace = "not a face";

    /// <summary>Gets a value indicating whether the face passed the plausibility check (it may still fail the quality gate).</summary>
    public bool IsPlausibleFace => !string.Equals(QualityIssue, NotAFace, StringComparison.Ordinal);

    /// <summary>
    /// Gets the learned model's score of this face's aligned crop, submitted by the detect worker while it still held the crop
    /// (only for a face that passed the quality gate on a camera whose scorer is a learned model), or <see langword="null"/>.
    /// The patient stage awaits it before scoring the frame.
    /// </summary>
    public Scoring.PendingCropScore? CropScore { get; init; }

    /// <summary>
    /// Gets the grey signature of the face's aligned inner face, or an empty one when the face was not aligned (not a face) or
    /// the analyser computes none. <c>Pipeline.FaceFollower</c> compares it between frames (the appearance check).
    /// </summary>
    public FaceSignature Signature { get; init; }
}

/// <summary>Analyses the faces of one frame. One instance per worker thread (implementations own scratch buffers).</summary>
public interface IFaceAnalyzer
{
    /// <summary>Analyses each face.</summary>
    /// <param name="image">The whole frame.</param>
    /// <param name="faces">The faces found in it.</param>
    /// <returns>One analysis per face, in the same order.</returns>
    IReadOnlyList<FaceAnalysis> Analyze(BgrImage image, IReadOnlyList<DetectedFace> faces);

    /// <summary>Analyses each face of a frame from <paramref name="camera"/> (the detect stage calls this one).</summary>
    /// <param name="camera">The camera the frame comes from: an analyser that hands aligned crops to a learned scorer needs it.</param>
    /// <param name="image">The whole frame.</param>
    /// <param name="faces">The faces found in it.</param>
    /// <returns>One analysis per face, in the same order.</returns>
    IReadOnlyList<FaceAnalysis> Analyze(Frames.CameraId camera, BgrImage image, IReadOnlyList<DetectedFace> faces) => Analyze(image, faces);

    /// <summary>
    /// Analyses each face of a frame view of either pixel layout (<c>Capture:PixelFormat</c>). The default hands BGR views to
    /// <see cref="Analyze(Frames.CameraId, BgrImage, IReadOnlyList{DetectedFace})"/> and refuses I420; the product's analyser
    /// reads the luma plane for landmarks and converts only the face's region to colour.
    /// </summary>
    /// <param name="camera">The camera the frame comes from.</param>
    /// <param name="image">The whole frame.</param>
    /// <param name="faces">The faces found in it.</param>
    /// <returns>One analysis per face, in the same order.</returns>
    /// <exception cref="NotSupportedException">The image is I420 and this analyser reads BGR only.</exception>
    IReadOnlyList<FaceAnalysis> Analyze(Frames.CameraId camera, FrameImage image, IReadOnlyList<DetectedFace> faces) => image.Format == Frames.FramePixelFormat.Bgr24
        ? Analyze(camera, image.Bgr, faces)
        : throw new NotSupportedException("This face analyser reads BGR frames only; set Capture:PixelFormat to bgr24.");
}
