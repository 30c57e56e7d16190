// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>A publisher under test with its own meters and a logger that must see no errors.</summary>
internal sealed class PublisherHarness : IAsyncDisposable
{
    private readonly TempDirectory? _ownDirectory;
    private bool _started;
    private bool _stopped;
    private readonly CancellationTokenSource _stopServing = new();
    private readonly Task _serving = Task.CompletedTask;
    private bool _disposed;

    /// <summary>A publisher with its own outbox in a fresh temporary directory (deleted on dispose).</summary>
    public PublisherHarness(MqttOptions options, IAlertCommandHandler? handler = null)
        : this(options, null, handler)
    {
    }

    /// <summary>A publisher on the outbox file <paramref name="outboxPath"/> (e.g. the file a previous publisher left).</summary>
    public PublisherHarness(MqttOptions options, string? outboxPath, IAlertCommandHandler? handler = null)
    {
        Options = options;
        if (outboxPath is null)
        {
            _ownDirectory = new TempDirectory();
            outboxPath = Path.Combine(_ownDirectory.Path, "outbox.db");
        }

        OutboxPath = outboxPath;
        Outbox = new PainStream.Alerts.Mqtt.Outbox.SqliteAlertOutbox(outboxPath, options.OutboxMaxMessages, TimeSpan.FromHours(options.OutboxMaxAgeHours), Meters, Logger, TimeProvider.System);
        if (handler is not null)
        {
            Commands = new AlertCommandChannel();
            _serving = Commands.ServeAsync(handler, _stopServing.Token);
        }

        Publisher = new MqttPublisher(options, Outbox, Meters, Logger, TimeProvider.System, Commands, TestBroker.Login);
    }

    /// <summary>Gets the outbox the harness owns (the publisher only uses it).</summary>
    public PainStream.Alerts.Mqtt.Outbox.SqliteAlertOutbox Outbox { get; }

    /// <summary>Gets the command channel between the publisher and the handler, or <see langword="null"/> without a handler.</summary>
    public AlertCommandChannel? Commands { get; }

    public MqttOptions Options { get; }

    public string OutboxPath { get; }

    public TestMeterFactory Meters { get; } = new();

    public FakeLogger Logger { get; } = new();

    public MqttPublisher Publisher { get; }

    public static DateTimeOffset T0 { get; } = new(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    public static CameraStatus Status(string camera, CameraState state = CameraState.Online, string? error = null, long reconnects = 0) =>
        new(new CameraId(camera), state, 12.346, state == CameraState.Online ? T0.AddSeconds(5) : null, reconnects, error, T0);

    public static FaceObservation Faces(string camera, long sequence, int faces = 1) => new(
        new CameraId(camera),
        sequence,
        T0.AddMilliseconds(sequence),
        CaptureTimestamp: 0,
        FrameWidth: 640,
        FrameHeight: 480,
        [.. Enumerable.Range(0, faces).Select(i => new DetectedFace(new BoxF(10.04f + i, 20.06f, 100.44f, 120.55f), 0.98765f, []))],
        TimeSpan.FromMilliseconds(3.456),
        "blazeface-128");

    public async Task StartAsync()
    {
        _started = true;
        await Publisher.StartAsync(TestContext.Current.CancellationToken);
    }

    public async Task StopAsync()
    {
        _stopped = true;
        await Publisher.StopAsync(TestContext.Current.CancellationToken);
    }

    public void AssertNoErrorsLogged()
    {
        var errors = Logger.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors.Select(e => e.Message + " " + e.Exception)));
    }

    /// <summary>Like a kill: no goodbye, no delivery; the outbox file stays as it is.</summary>
    public void Kill()
    {
        _disposed = true;
        Publisher.Dispose();
        Outbox.Dispose();
        _stopServing.Cancel();
        Meters.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_started && !_stopped)
            {
                await Publisher.StopAsync(CancellationToken.None);
            }

            Publisher.Dispose();
            Outbox.Dispose();
            Meters.Dispose();
        }

        await _stopServing.CancelAsync();
        await _serving;
        _stopServing.Dispose();

        _ownDirectory?.Dispose();
    }
}
