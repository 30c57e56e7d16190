// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Threading.Channels;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Publishing;

namespace PainStream.Core.Pipeline;

/// <summary>
/// Publishes the faces seen by each camera at most once per interval (the walking skeleton's output, until pain scoring
/// replaces it). Always publishes a change in face count at once, so a dashboard does not wait a full interval to see a face appear.
/// </summary>
public sealed class FacesReportStage
{
    private readonly IPainStreamPublisher _publisher;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Dictionary<CameraId, (long Timestamp, int Count)> _last = [];

    /// <summary>Initializes a new instance of the <see cref="FacesReportStage"/> class.</summary>
    /// <param name="publisher">Where reports go.</param>
    /// <param name="interval">The least time between two reports of a camera with an unchanged face count.</param>
    /// <param name="time">The clock.</param>
    public FacesReportStage(IPainStreamPublisher publisher, TimeSpan interval, TimeProvider time)
    {
        _publisher = publisher;
        _interval = interval;
        _time = time;
    }

    /// <summary>Reads observations until the input completes or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="input">Observations from detection.</param>
    /// <param name="cancellationToken">Stops the stage.</param>
    /// <returns>A task that ends with the stage.</returns>
    public async Task RunAsync(ChannelReader<FaceObservation> input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            await foreach (var observation in input.ReadAllAsync(cancellationToken))
            {
                Step(observation);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
    }

    /// <summary>Handles one observation: publishes it when due. The loop body, callable directly from tests.</summary>
    /// <param name="observation">The observation.</param>
    /// <returns><see langword="true"/> when it was published.</returns>
    internal bool Step(FaceObservation observation)
    {
        var now = _time.GetTimestamp();
        if (_last.TryGetValue(observation.Camera, out var last)
            && last.Count == observation.Faces.Count
            && _time.GetElapsedTime(last.Timestamp, now) < _interval)
        {
            return false;
        }

        _last[observation.Camera] = (now, observation.Faces.Count);
        _publisher.PublishFaces(observation);
        return true;
    }
}
