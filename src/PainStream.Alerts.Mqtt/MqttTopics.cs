// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Alerts.Mqtt;

/// <summary>The topics of the MQTT contract (shared/DESIGN.md §6) under one prefix.</summary>
/// <param name="Prefix">The topic prefix without a trailing slash.</param>
internal sealed record MqttTopics(string Prefix)
{
    /// <summary>The payload of <see cref="Available"/> after every (re)connect.</summary>
    public const string Online = "online";

    /// <summary>The payload of <see cref="Available"/> on graceful shutdown.</summary>
    public const string Stopped = "stopped";

    /// <summary>The payload of <see cref="Available"/> sent by the broker as the Last Will.</summary>
    public const string Offline = "offline";

    /// <summary>Gets <c>&lt;prefix&gt;/available</c>.</summary>
    public string Available { get; } = Prefix + "/available";

    /// <summary>Gets <c>&lt;prefix&gt;/stats</c>.</summary>
    public string Stats { get; } = Prefix + "/stats";

    /// <summary>Creates the topics for a configured prefix (a trailing slash is ignored).</summary>
    /// <param name="prefix">The configured prefix.</param>
    /// <returns>The topics.</returns>
    public static MqttTopics For(string prefix) => new(prefix.TrimEnd('/'));

    /// <summary>Gets <c>&lt;prefix&gt;/&lt;camera&gt;/status</c>.</summary>
    /// <param name="camera">The camera.</param>
    /// <returns>The topic.</returns>
    public string Status(CameraId camera) => Prefix + "/" + camera.Value + "/status";

    /// <summary>Gets <c>&lt;prefix&gt;/&lt;camera&gt;/faces</c>.</summary>
    /// <param name="camera">The camera.</param>
    /// <returns>The topic.</returns>
    public string Faces(CameraId camera) => Prefix + "/" + camera.Value + "/faces";
}
