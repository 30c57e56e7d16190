// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Alerts.Mqtt;

/// <summary>The state of the daemon's connection to the MQTT broker and of its alert outbox, for the health endpoint, stats and metrics.</summary>
/// <remarks>Thread-safe: every member is a snapshot read that never blocks.</remarks>
public interface IMqttConnectionState
{
    /// <summary>Gets a value indicating whether the broker is connected and <c>&lt;prefix&gt;/available</c> says <c>online</c>.</summary>
    bool IsConnected { get; }

    /// <summary>Gets why the last connection attempt failed or the last connection was lost, without credentials; <see langword="null"/> once connected again.</summary>
    string? LastError { get; }

    /// <summary>Gets when the broker was last connected, or <see langword="null"/> if never.</summary>
    DateTimeOffset? LastConnectedAt { get; }

    /// <summary>Gets the number of alert messages (events and bed states) waiting in the durable outbox for the broker's acknowledgement.</summary>
    int OutboxDepth { get; }
}
