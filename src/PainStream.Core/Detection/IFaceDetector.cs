// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>Finds faces in a BGR image.</summary>
/// <remarks>
/// Implementations are thread-safe: the detect stage calls <see cref="Detect"/> from several workers at once.
/// A detector owns its native resources (an ONNX session, a cascade) and releases them on <see cref="IDisposable.Dispose"/>.
/// </remarks>
public interface IFaceDetector : IDisposable
{
    /// <summary>Gets a short name for logs, metrics and payloads (for example <c>blazeface-front-128</c>).</summary>
    string Name { get; }

    /// <summary>Detects faces in <paramref name="image"/>.</summary>
    /// <param name="image">The image, possibly a region of interest of a larger frame.</param>
    /// <returns>The faces, with boxes and keypoints in <paramref name="image"/>'s coordinates, best score first.</returns>
    IReadOnlyList<DetectedFace> Detect(BgrImage image);
}
