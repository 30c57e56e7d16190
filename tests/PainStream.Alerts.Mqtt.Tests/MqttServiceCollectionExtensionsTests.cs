// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PainStream.Core.Diagnostics;
using PainStream.Core.Options;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

public sealed class MqttServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AddPainStreamMqtt_NoHost_RegistersBrokerBeforePublisherAndOneInstance()
    {
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddPainStreamMqtt(new MqttOptions { EmbeddedPort = FreePort.Get() }, _directory.Path);
        using var provider = services.BuildServiceProvider();

        var hosted = provider.GetServices<IHostedService>().ToList();

        Assert.Collection(hosted, h => Assert.IsType<EmbeddedBroker>(h), h => Assert.IsType<MqttPublisher>(h));
        var publisher = provider.GetRequiredService<MqttPublisher>();
        Assert.Same(publisher, provider.GetRequiredService<IPainStreamPublisher>());
        Assert.Same(publisher, provider.GetRequiredService<PainStream.Core.Cameras.ICameraStatusPublisher>()); // the camera registry's
        Assert.Same(publisher, provider.GetRequiredService<IMqttConnectionState>());
        Assert.Same(publisher, provider.GetRequiredService<IAlertPublisher>());
        Assert.Same(publisher, hosted[1]);

        // The relative default outbox path is resolved against the content root, and the directory is created.
        Assert.Equal(Path.Combine(_directory.Path, "data", "state", "outbox.db"), publisher.Outbox.Path);
        Assert.True(File.Exists(publisher.Outbox.Path));
    }

    [Fact]
    public void AddPainStreamMqtt_ExternalHost_NoEmbeddedBroker()
    {
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddPainStreamMqtt(new MqttOptions { Host = "broker.ward" }, _directory.Path);
        using var provider = services.BuildServiceProvider();

        Assert.IsType<MqttPublisher>(Assert.Single(provider.GetServices<IHostedService>()));
        Assert.Null(provider.GetService<EmbeddedBroker>());
    }

    [Fact]
    public async Task Host_StartThenStop_OnlineThenStoppedPublishedBeforeEmbeddedBrokerStops()
    {
        var port = FreePort.Get();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        using var logs = new FakeLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Services.AddPainStreamMqtt(new MqttOptions { EmbeddedPort = port, ClientId = "ps-host", ReconnectMaxSeconds = 0.2 }, _directory.Path);
        using var host = builder.Build();
        using var published = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), PainStreamInstruments.MeterName, PainStreamInstruments.MqttPublished);

        await host.StartAsync(Ct);

        // Subscribe only once "online" is acknowledged: MQTTnet.Server can miss a retained message for a subscriber
        // whose SUBSCRIBE races the PUBLISH.
        await published.WaitForMeasurementsAsync(1, MqttProbe.DefaultTimeout);
        await using (var probe = await MqttProbe.ConnectAsync(port, "painstream/available", cancellationToken: Ct))
        {
            await probe.WaitForAsync("painstream/available", "online");
        }

        await host.StopAsync(Ct);

        // Delivery of "stopped" to a live subscriber races the broker's own shutdown (MQTTnet acknowledges a publish once
        // it is queued), so the order is asserted on the log: the publisher's "stopped" was acknowledged before the
        // embedded broker stopped, which is what the hosted-service order is for.
        var events = logs.Collector.GetSnapshot().Select(r => r.Id.Id).ToList();
        var stopped = events.IndexOf(4007);
        var brokerStopped = events.IndexOf(4011);
        Assert.True(stopped >= 0 && brokerStopped > stopped, string.Join('\n', logs.Collector.GetSnapshot().Select(r => r.Id.Id + " " + r.Message)));
        Assert.False(host.Services.GetRequiredService<IMqttConnectionState>().IsConnected);
    }
}
