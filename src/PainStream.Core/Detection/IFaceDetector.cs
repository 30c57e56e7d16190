// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>Finds faces in a BGR image.</summary>
/// <remarks>
/// Implementations are thread-safe: the detect stage calls <see cref="Detect(BgrImage)"/> and <see cref="DetectBatch"/> from several
/// workers at once. A detector owns its native resources (an ONNX session, a cascade) and releases them on
/// <see cref="IDisposable.Dispose"/>.
/// </remarks>
public interface IFaceDetector : IDisposable
{
    /// <summary>Gets a short name for logs, metrics and payloads (for example <c>blazeface-front-128</c>).</summary>
    string Name { get; }

    /// <summary>Detects faces in <paramref name="image"/>.</summary>
    /// <param name="image">The image, possibly a region of interest of a larger frame.</param>
    /// <returns>The faces, with boxes and keypoints in <paramref name="image"/>'s coordinates, best score first.</returns>
    IReadOnlyList<DetectedFace> Detect(BgrImage image);

    /// <summary>
    /// Detects faces in a frame view of either pixel layout (<c>Capture:PixelFormat</c>). The default hands BGR views to
    /// <see cref="Detect(BgrImage)"/> and refuses I420; the product's detectors (BlazeFace, Haar) read I420 planes directly.
    /// </summary>
    /// <param name="image">The image, possibly a region of interest of a larger frame.</param>
    /// <returns>The faces, with boxes and keypoints in <paramref name="image"/>'s coordinates, best score first.</returns>
    /// <exception cref="NotSupportedException">The image is I420 and this detector reads BGR only.</exception>
    IReadOnlyList<DetectedFace> Detect(FrameImage image) => image.Format == Frames.FramePixelFormat.Bgr24
        ? Detect(image.Bgr)
        : throw new NotSupportedException($"The face detector '{Name}' reads BGR frames only; set Capture:PixelFormat to bgr24.");

    /// <summary>
    /// Detects faces in every image of <paramref name="images"/>: <paramref name="results"/>[i] receives what
    /// <see cref="Detect(BgrImage)"/> returns for image i. A detector with a batched model (BlazeFace) runs the images through it
    /// together, as few runs as its own batch cap allows; the default runs <see cref="Detect(BgrImage)"/> once per image.
    /// </summary>
    /// <param name="images">The images; an empty batch does nothing.</param>
    /// <param name="results">Receives one list per image, in order; at least <see cref="IBgrImageBatch.Count"/> long.</param>
    /// <remarks>
    /// All or nothing: when it throws, no result of this call is meaningful (the caller decides which images to retry one by
    /// one). Batched and single results agree up to the float rounding of a batched run.
    /// </remarks>
    void DetectBatch(IBgrImageBatch images, Span<IReadOnlyList<DetectedFace>> results)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(results.Length, images.Count, nameof(results));
        for (var i = 0; i < images.Count; i++)
        {
            results[i] = Detect(images.GetFrameImage(i));
        }
    }
}

/// <summary>
/// The images of one <see cref="IFaceDetector.DetectBatch"/> call. <see cref="BgrImage"/> is a <see langword="ref"/>
/// struct and cannot sit in a list, so the caller hands out each view on demand (a frame's tile, a test image).
/// </summary>
/// <remarks>The detector reads each image during the call only, and may read one several times; the views must not change meanwhile.</remarks>
public interface IBgrImageBatch
{
    /// <summary>Gets the number of images.</summary>
    int Count { get; }

    /// <summary>Gets the view of image <paramref name="index"/>.</summary>
    /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
    /// <returns>The image.</returns>
    BgrImage GetImage(int index);

    /// <summary>Gets the view of image <paramref name="index"/> in its own pixel layout (BGR or I420); by default <see cref="GetImage"/>.</summary>
    /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
    /// <returns>The image.</returns>
    FrameImage GetFrameImage(int index) => GetImage(index);
}
