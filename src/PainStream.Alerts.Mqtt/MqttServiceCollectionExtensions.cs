// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PainStream.Core.Options;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <summary>Registers the MQTT edge in the daemon's container.</summary>
public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Adds the embedded broker (only when <see cref="MqttOptions.Host"/> is empty) and the <see cref="MqttPublisher"/> as a
    /// singleton, hosted service, <see cref="IPainStreamPublisher"/> and <see cref="IMqttConnectionState"/>.
    /// </summary>
    /// <remarks>
    /// Call it before the pipeline's hosted services: hosted services stop in reverse order, so the pipeline drains first,
    /// then the publisher publishes <c>stopped</c>, and the embedded broker stops last. Needs <see cref="IMeterFactory"/>
    /// and logging (the generic host provides both); uses a registered <see cref="TimeProvider"/>, else the system clock.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="options">The validated <c>Mqtt</c> section (validation happens before DI).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddPainStreamMqtt(this IServiceCollection services, MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            services.AddSingleton(sp => new EmbeddedBroker(options, sp.GetRequiredService<ILogger<EmbeddedBroker>>()));
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        }

        services.AddSingleton(sp => new MqttPublisher(
            options,
            sp.GetRequiredService<IMeterFactory>(),
            sp.GetRequiredService<ILogger<MqttPublisher>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPainStreamPublisher>(sp => sp.GetRequiredService<MqttPublisher>());
        services.AddSingleton<IMqttConnectionState>(sp => sp.GetRequiredService<MqttPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttPublisher>());
        return services;
    }
}
