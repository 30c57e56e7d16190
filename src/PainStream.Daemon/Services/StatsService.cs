// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Alerts.Mqtt;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Core.Publishing;

namespace PainStream.Daemon.Services;

/// <summary>Publishes <c>painstream/stats</c> every <c>Mqtt:StatsIntervalSeconds</c> and refreshes the retained camera statuses (their fps).</summary>
internal sealed class StatsService : BackgroundService
{
    /// <summary>The name of the alert outbox in <see cref="PainStreamStats.Queues"/>.</summary>
    internal const string OutboxQueue = "outbox";

    private readonly CameraRegistry _registry;
    private readonly PipelineChannels _channels;
    private readonly FramePool _pool;
    private readonly IPainStreamPublisher _publisher;
    private readonly IMqttConnectionState _mqtt;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly long _started;

    public StatsService(CameraRegistry registry, PipelineChannels channels, FramePool pool, IPainStreamPublisher publisher, IMqttConnectionState mqttState, MqttOptions mqtt, TimeProvider time)
    {
        _mqtt = mqttState;
        _registry = registry;
        _channels = channels;
        _pool = pool;
        _publisher = publisher;
        _time = time;
        _interval = TimeSpan.FromSeconds(mqtt.StatsIntervalSeconds);
        _started = time.GetTimestamp();
    }

    /// <summary>Builds the current figures. Internal for tests.</summary>
    /// <returns>The stats message.</returns>
    internal PainStreamStats Collect()
    {
        var cameras = new List<CameraStats>();
        foreach (var status in _registry.Snapshot())
        {
            if (_registry.Find(status.Camera) is not { } c)
            {
                continue;
            }

            cameras.Add(new CameraStats(
                status.Camera.Value,
                status.State.ToString().ToLower(CultureInfo.InvariantCulture),
                status.Fps,
                c.Captured,
                c.Processed,
                c.Dropped,
                c.Reconnects,
                Math.Round(c.MeanDetectMilliseconds, 2)));
        }

        // The alert outbox is one more queue: alert messages waiting for the broker's acknowledgement.
        var queues = new Dictionary<string, int>(_channels.Depths()) { [OutboxQueue] = _mqtt.OutboxDepth };
        return new PainStreamStats(_time.GetUtcNow(), Math.Round(_time.GetElapsedTime(_started).TotalSeconds, 1), cameras, queues, _pool.Outstanding);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                _publisher.PublishStats(Collect());
                _registry.PublishAll();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
    }
}
