// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Alerts.Mqtt;
using PainStream.Alerts.Mqtt.Outbox;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Testing;

namespace PainStream.Benchmarks;

/// <summary>
/// What the pipeline pays per best-effort message while the broker is away (issue 15, item 6: the timing that
/// <c>MqttPublisherDropTests.PublishFaces_BrokerAway_DroppedCountedAndNeverBlocks</c> used to assert): the publisher, never
/// started and with no broker on its port, drops and counts each <c>faces</c> message. Per operation = one call.
/// </summary>
[MemoryDiagnoser]
public class PublisherDropBenchmarks
{
    private const int Calls = 10_000;
    private TestMeterFactory? _meters;
    private string _directory = string.Empty;
    private SqliteAlertOutbox? _outbox;
    private MqttPublisher? _publisher;
    private FaceObservation[] _faces = [];

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("painstream-drop-bench-").FullName;
        _meters = new TestMeterFactory();
        var options = new MqttOptions { Host = "127.0.0.1", Port = FreePort.Get(), ClientId = "ps-drop-bench" };
        _outbox = new SqliteAlertOutbox(Path.Combine(_directory, "outbox.db"), options.OutboxMaxMessages, TimeSpan.FromHours(options.OutboxMaxAgeHours), _meters, NullLogger.Instance, TimeProvider.System);
        _publisher = new MqttPublisher(options, _outbox, _meters, NullLogger.Instance, TimeProvider.System);
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        _faces = [.. Enumerable.Range(0, Calls).Select(i => new FaceObservation(
            new CameraId("bed-1"),
            i,
            t0.AddMilliseconds(i),
            CaptureTimestamp: 0,
            FrameWidth: 640,
            FrameHeight: 480,
            [new DetectedFace(new BoxF(10, 20, 100, 120), 0.98f, [])],
            TimeSpan.FromMilliseconds(3),
            "blazeface-128"))];
    }

    /// <summary>10 000 <c>PublishFaces</c> calls with the broker away: each is dropped and counted, none waits.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void PublishFaces_BrokerAway()
    {
        foreach (var faces in _faces)
        {
            _publisher!.PublishFaces(faces);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publisher?.Dispose();
        _outbox?.Dispose();
        _meters?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
