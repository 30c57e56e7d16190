// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Threading.Channels;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;

namespace PainStream.Core.Pipeline;

/// <summary>
/// The channels between pipeline stages, each with its full-mode chosen on purpose (STYLE.md §7):
/// capture → detect drops the oldest frame (fresh frames beat stale ones; every drop is disposed and counted per camera);
/// detect → report waits (an observation is never dropped silently).
/// </summary>
/// <remarks>
/// Stages only ever see the reader or the writer of an edge. <see cref="DrainAndDispose"/> returns every frame still queued
/// after the stages have stopped, so no pooled buffer leaks at shutdown.
/// </remarks>
public sealed class PipelineChannels
{
    private readonly Channel<Frame> _frames;
    private readonly Channel<FaceObservation> _observations;

    /// <summary>Initializes a new instance of the <see cref="PipelineChannels"/> class.</summary>
    /// <param name="options">Channel capacities.</param>
    /// <param name="cameras">Counts drops per camera.</param>
    public PipelineChannels(PipelineOptions options, CameraRegistry cameras)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cameras);
        _frames = Channel.CreateBounded<Frame>(
            new BoundedChannelOptions(options.CaptureQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,

                // Many capture loops write, several detect workers read.
                SingleReader = false,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            },
            frame =>
            {
                // TryWrite returns true even when it evicted a frame: this callback is the only signal of a drop.
                cameras.Find(frame.Camera)?.OnDropped();
                frame.Dispose();
            });
        _observations = Channel.CreateBounded<FaceObservation>(
            new BoundedChannelOptions(options.ObservationQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            });
    }

    /// <summary>Gets the writer capture loops publish frames to.</summary>
    public ChannelWriter<Frame> FrameWriter => _frames.Writer;

    /// <summary>Gets the reader detect workers take frames from.</summary>
    public ChannelReader<Frame> FrameReader => _frames.Reader;

    /// <summary>Gets the writer detect workers publish observations to.</summary>
    public ChannelWriter<FaceObservation> ObservationWriter => _observations.Writer;

    /// <summary>Gets the reader of the report stage.</summary>
    public ChannelReader<FaceObservation> ObservationReader => _observations.Reader;

    /// <summary>Gets the depth of each queue, by name, for metrics and stats.</summary>
    /// <returns>Queue name to items waiting.</returns>
    public IReadOnlyDictionary<string, int> Depths() => new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["frames"] = _frames.Reader.Count,
        ["observations"] = _observations.Reader.Count,
    };

    /// <summary>Disposes every frame still queued. Call after capture and detection have stopped.</summary>
    /// <returns>The number of frames disposed.</returns>
    public int DrainAndDispose()
    {
        _frames.Writer.TryComplete();
        var n = 0;
        while (_frames.Reader.TryRead(out var frame))
        {
            frame.Dispose();
            n++;
        }

        return n;
    }
}
