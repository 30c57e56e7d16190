// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>Configuration building blocks shared by the end-to-end tests.</summary>
internal static class Scenario
{
    /// <summary>How long the daemon may take to start, connect and get a first frame through.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Watchdog timeout used by the tests (short, so a stall is noticed quickly).</summary>
    public const double StallSeconds = 2;

    /// <summary>
    /// The bed region of the astronaut served by <see cref="RtspServer"/> at 640x480 (letterboxed into the 640x360 analysis
    /// frame): the face is at about x 250–334, y 58–124 of the frame, so this region keeps it well inside.
    /// </summary>
    public static Dictionary<string, object> AstronautRegion => new() { ["X"] = 0.3, ["Y"] = 0.05, ["Width"] = 0.35, ["Height"] = 0.5 };

    /// <summary>Builds a daemon configuration.</summary>
    /// <param name="cameras">Camera name to camera object.</param>
    /// <param name="mqtt">The Mqtt section.</param>
    /// <returns>The configuration.</returns>
    public static Dictionary<string, object> Config(Dictionary<string, object> cameras, Dictionary<string, object> mqtt) => new()
    {
        ["Cameras"] = cameras,
        ["Capture"] = new Dictionary<string, object>
        {
            ["Fps"] = 5,
            ["StallTimeoutSeconds"] = StallSeconds,
            ["RtspTimeoutSeconds"] = 2,
            ["BackoffInitialSeconds"] = 0.2,
            ["BackoffMaxSeconds"] = 1,
        },
        ["Mqtt"] = mqtt,
    };

    /// <summary>An MQTT section pointing at an external broker.</summary>
    /// <param name="port">The broker port.</param>
    /// <returns>The section.</returns>
    public static Dictionary<string, object> ExternalBroker(int port) => new()
    {
        ["Host"] = "127.0.0.1",
        ["Port"] = port,
        ["KeepAliveSeconds"] = 5,
        ["ReconnectMaxSeconds"] = 1,
        ["ClientId"] = "painstream-it-" + Guid.NewGuid().ToString("N")[..8],
    };

    /// <summary>An MQTT section that makes the daemon start its embedded broker.</summary>
    /// <param name="port">The embedded broker port.</param>
    /// <returns>The section.</returns>
    public static Dictionary<string, object> EmbeddedBroker(int port) => new()
    {
        ["Host"] = string.Empty,
        ["EmbeddedPort"] = port,
        ["ReconnectMaxSeconds"] = 1,
    };

    /// <summary>Reads a JSON string property of an MQTT payload.</summary>
    /// <param name="message">The message.</param>
    /// <param name="property">The property name.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public static string? Json(ProbeMessage message, string property)
    {
        using var doc = JsonDocument.Parse(message.Payload);
        return doc.RootElement.TryGetProperty(property, out var value) ? value.ToString() : null;
    }

    /// <summary>Whether <paramref name="message"/> is the status of <paramref name="camera"/> in <paramref name="state"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="camera">The camera.</param>
    /// <param name="state">The state.</param>
    /// <returns>The match.</returns>
    public static bool IsStatus(ProbeMessage message, string camera, string state) =>
        message.Topic == $"painstream/{camera}/status" && Json(message, "state") == state;
}
