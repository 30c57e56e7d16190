// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Alerts.Mqtt;

/// <summary>The topics of the MQTT contract (shared/DESIGN.md §6) under one prefix.</summary>
/// <param name="Prefix">The topic prefix without a trailing slash.</param>
/// <param name="Instance">This instance's name when several share the cameras (issue 16); empty for a single instance.</param>
internal sealed record MqttTopics(string Prefix, string Instance = "")
{
    /// <summary>The payload of <see cref="Available"/> after every (re)connect.</summary>
    public const string Online = "online";

    /// <summary>The payload of <see cref="Available"/> on graceful shutdown.</summary>
    public const string Stopped = "stopped";

    /// <summary>The payload of <see cref="Available"/> sent by the broker as the Last Will.</summary>
    public const string Offline = "offline";

    /// <summary>The last level(s) of the acknowledge command topic, and its name in replies.</summary>
    public const string AckCommand = "ack";

    /// <summary>The last level(s) of the snooze command topic, and its name in replies.</summary>
    public const string SnoozeCommand = "snooze";

    /// <summary>The last level(s) of the baseline reset command topic, and its name in replies.</summary>
    public const string BaselineResetCommand = "baseline/reset";

    /// <summary>
    /// Gets <c>&lt;prefix&gt;/available</c>, or <c>&lt;prefix&gt;/instances/&lt;instance&gt;/available</c> for one of several
    /// instances (one Last Will per instance: a stopped shard must not mark the others offline).
    /// </summary>
    public string Available { get; } = Instance.Length == 0 ? Prefix + "/available" : Prefix + "/instances/" + Instance + "/available";

    /// <summary>Gets <c>&lt;prefix&gt;/stats</c>.</summary>
    public string Stats { get; } = Prefix + "/stats";

    /// <summary>Gets <c>&lt;prefix&gt;/alerts</c>, where episode events go.</summary>
    public string Alerts { get; } = Prefix + "/alerts";

    /// <summary>
    /// Gets the filters the publisher subscribes to (after every connect, with MQTT 5 no-local so its own output does not
    /// come back): every topic under a bed, i.e. every command topic, unknown ones included (they are answered with an
    /// error). Output topics (<see cref="IsOutputLevel"/>, and camera-level ones such as another instance's status) are ignored.
    /// </summary>
    public IReadOnlyList<string> CommandFilters { get; } = [Prefix + "/+/+/#"];

    /// <summary>Whether the level after <c>&lt;camera&gt;/&lt;bed&gt;</c> names an output topic (<c>alert</c>, <c>score</c>, <c>reply</c>), not a command.</summary>
    /// <param name="level">The third level under the prefix.</param>
    /// <returns><see langword="true"/> for an output topic.</returns>
    public static bool IsOutputLevel(string level) => level is "alert" or "score" or "reply";

    /// <summary>Creates the topics for a configured prefix (a trailing slash is ignored).</summary>
    /// <param name="prefix">The configured prefix.</param>
    /// <returns>The topics.</returns>
    public static MqttTopics For(string prefix) => new(prefix.TrimEnd('/'));

    /// <summary>Creates the topics for a configured prefix and this instance's name (empty for a single instance).</summary>
    /// <param name="prefix">The configured prefix.</param>
    /// <param name="instance">The instance name, or empty.</param>
    /// <returns>The topics.</returns>
    public static MqttTopics For(string prefix, string instance) => new(prefix.TrimEnd('/'), instance);

    /// <summary>Gets <c>&lt;prefix&gt;/&lt;camera&gt;/status</c>.</summary>
    /// <param name="camera">The camera.</param>
    /// <returns>The topic.</returns>
    public string Status(CameraId camera) => Prefix + "/" + camera.Value + "/status";

    /// <summary>Gets <c>&lt;prefix&gt;/&lt;camera&gt;/faces</c>.</summary>
    /// <param name="camera">The camera.</param>
    /// <returns>The topic.</returns>
    public string Faces(CameraId camera) => Prefix + "/" + camera.Value + "/faces";

    /// <summary>Gets <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/alert</c>, the bed's retained alert state.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <returns>The topic.</returns>
    public string BedAlert(string camera, string bed) => Prefix + "/" + camera + "/" + bed + "/alert";

    /// <summary>Gets <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/score</c>.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <returns>The topic.</returns>
    public string Score(string camera, string bed) => Prefix + "/" + camera + "/" + bed + "/score";

    /// <summary>Gets <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/reply</c>, where command replies go.</summary>
    /// <param name="camera">The camera level as received (a reply goes back to where the command came from, even an invalid id).</param>
    /// <param name="bed">The bed level as received.</param>
    /// <returns>The topic.</returns>
    public string Reply(string camera, string bed) => Prefix + "/" + camera + "/" + bed + "/reply";
}
