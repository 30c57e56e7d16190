// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Alerts.Mqtt;

/// <summary>The state of the daemon's connection to the MQTT broker, for the health endpoint and metrics.</summary>
/// <remarks>Thread-safe: every member is a snapshot read that never blocks.</remarks>
public interface IMqttConnectionState
{
    /// <summary>Gets a value indicating whether the broker is connected and <c>&lt;prefix&gt;/available</c> says <c>online</c>.</summary>
    bool IsConnected { get; }

    /// <summary>Gets why the last connection attempt failed or the last connection was lost, without credentials; <see langword="null"/> once connected again.</summary>
    string? LastError { get; }

    /// <summary>Gets when the broker was last connected, or <see langword="null"/> if never.</summary>
    DateTimeOffset? LastConnectedAt { get; }
}
