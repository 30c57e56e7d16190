// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Publishing;

namespace PainStream.Testing;

/// <summary>A detector that returns the faces it was given and records the image sizes it saw.</summary>
public sealed class FakeFaceDetector : IFaceDetector
{
    private readonly Func<int, int, IReadOnlyList<DetectedFace>> _faces;

    /// <summary>Initializes a new instance of the <see cref="FakeFaceDetector"/> class.</summary>
    /// <param name="faces">Faces to return for an image of the given width and height.</param>
    public FakeFaceDetector(Func<int, int, IReadOnlyList<DetectedFace>> faces) => _faces = faces;

    /// <summary>Gets the sizes of the images passed to <see cref="Detect"/>.</summary>
    public ConcurrentQueue<(int Width, int Height)> Seen { get; } = new();

    /// <summary>Gets or sets an exception to throw from the next calls.</summary>
    public Exception? Throw { get; set; }

    /// <inheritdoc/>
    public string Name => "fake";

    /// <inheritdoc/>
    public IReadOnlyList<DetectedFace> Detect(BgrImage image)
    {
        Seen.Enqueue((image.Width, image.Height));
        if (Throw is { } ex)
        {
            throw ex;
        }

        return _faces(image.Width, image.Height);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}

/// <summary>Records everything published, for unit tests of the stages.</summary>
public sealed class RecordingPublisher : IPainStreamPublisher
{
    /// <summary>Gets the camera statuses in publication order.</summary>
    public ConcurrentQueue<CameraStatus> Statuses { get; } = new();

    /// <summary>Gets the faces observations in publication order.</summary>
    public ConcurrentQueue<FaceObservation> Faces { get; } = new();

    /// <summary>Gets the stats in publication order.</summary>
    public ConcurrentQueue<PainStreamStats> Stats { get; } = new();

    /// <inheritdoc/>
    public void PublishCameraStatus(CameraStatus status) => Statuses.Enqueue(status);

    /// <summary>Gets the cameras removed, in order.</summary>
    public ConcurrentQueue<PainStream.Core.Frames.CameraId> Removed { get; } = new();

    /// <inheritdoc/>
    public void RemoveCamera(PainStream.Core.Frames.CameraId camera) => Removed.Enqueue(camera);

    /// <inheritdoc/>
    public void PublishFaces(FaceObservation observation) => Faces.Enqueue(observation);

    /// <inheritdoc/>
    public void PublishStats(PainStreamStats stats) => Stats.Enqueue(stats);
}
