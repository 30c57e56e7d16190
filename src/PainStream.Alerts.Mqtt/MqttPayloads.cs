// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <summary>The body of <c>&lt;prefix&gt;/&lt;camera&gt;/status</c> (retained, QoS 1).</summary>
/// <param name="State"><c>online</c>, <c>offline</c> or <c>disabled</c>.</param>
/// <param name="Fps">Frames per second over the last few seconds.</param>
/// <param name="LastFrameAt">When the last frame arrived (UTC), or <see langword="null"/>.</param>
/// <param name="Reconnects">Capture restarts since start.</param>
/// <param name="Error">Why the camera is offline, or <see langword="null"/>.</param>
/// <param name="Since">When the camera entered <paramref name="State"/> (UTC).</param>
/// <param name="Instance">The instance watching the camera when several share the cameras; left out for a single instance.</param>
internal sealed record CameraStatusPayload(
    string State,
    double Fps,
    DateTimeOffset? LastFrameAt,
    long Reconnects,
    string? Error,
    DateTimeOffset Since,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Instance = null)
{
    /// <summary>Maps a status to its wire form.</summary>
    /// <param name="status">The status.</param>
    /// <param name="instance">The instance name, or empty for a single instance.</param>
    /// <returns>The payload.</returns>
    public static CameraStatusPayload From(CameraStatus status, string instance = "") => new(
        StateName(status.State),
        Math.Round(status.Fps, 2),
        status.LastFrameAt,
        status.Reconnects,
        status.Error,
        status.Since,
        string.IsNullOrEmpty(instance) ? null : instance)
    {
        DecodeMode = status.DecodeMode == Core.Cameras.DecodeMode.Keyframes ? "keyframes" : "all",
        KeyframeInterval = status.KeyframeIntervalSeconds,
    };

    /// <summary>Gets what the camera's ffmpeg decodes: <c>all</c> or <c>keyframes</c>.</summary>
    public string DecodeMode { get; init; } = "all";

    /// <summary>Gets the measured keyframe interval in seconds (keyframes mode), or <see langword="null"/> when not measured.</summary>
    public double? KeyframeInterval { get; init; }

    private static string StateName(CameraState state) => state switch
    {
        CameraState.Online => "online",
        CameraState.Offline => "offline",
        CameraState.Disabled => "disabled",
        _ => state.ToString().ToLowerInvariant(),
    };
}

/// <summary>The body of <c>&lt;prefix&gt;/&lt;camera&gt;/faces</c> (QoS 0).</summary>
/// <param name="Ts">When the frame was captured (UTC).</param>
/// <param name="Seq">The frame's per-camera sequence number.</param>
/// <param name="Count">How many faces.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="Detector">The detector's name.</param>
/// <param name="DetectMs">Detection time in milliseconds.</param>
/// <param name="Faces">The faces, best score first.</param>
internal sealed record FacesPayload(
    DateTimeOffset Ts,
    long Seq,
    int Count,
    int Width,
    int Height,
    string Detector,
    double DetectMs,
    IReadOnlyList<FacePayload> Faces)
{
    /// <summary>Maps an observation to its wire form (pixels rounded to 0.1, score to 0.001).</summary>
    /// <param name="observation">The detection result.</param>
    /// <returns>The payload.</returns>
    public static FacesPayload From(FaceObservation observation)
    {
        var faces = new FacePayload[observation.Faces.Count];
        for (var i = 0; i < faces.Length; i++)
        {
            var face = observation.Faces[i];
            var box = new BoxPayload(Round(face.Box.X, 1), Round(face.Box.Y, 1), Round(face.Box.Width, 1), Round(face.Box.Height, 1));
            faces[i] = new FacePayload(box, Round(face.Score, 3));
        }

        return new FacesPayload(
            observation.CapturedAt,
            observation.Sequence,
            faces.Length,
            observation.FrameWidth,
            observation.FrameHeight,
            observation.Detector,
            Math.Round(observation.DetectDuration.TotalMilliseconds, 2),
            faces);
    }

    private static double Round(float value, int digits) => Math.Round((double)value, digits, MidpointRounding.AwayFromZero);
}

/// <summary>One face in <see cref="FacesPayload"/>.</summary>
/// <param name="Box">The face box in frame pixels.</param>
/// <param name="Score">Detector confidence in [0, 1].</param>
internal sealed record FacePayload(BoxPayload Box, double Score);

/// <summary>A face box in frame pixels.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="W">Width.</param>
/// <param name="H">Height.</param>
internal sealed record BoxPayload(double X, double Y, double W, double H);

/// <summary>Writes every timestamp as ISO-8601 UTC with a <c>Z</c> suffix (System.Text.Json would write <c>+00:00</c>).</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? string.Empty, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime);
}

/// <summary>Source-generated (reflection-free) serialisation of every MQTT payload: camelCase, UTC timestamps.</summary>
/// <remarks>
/// Non-finite numbers (a mean over zero frames) are written as the strings <c>"NaN"</c>/<c>"Infinity"</c> rather than
/// failing the whole message.
/// </remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(CameraStatusPayload))]
[JsonSerializable(typeof(FacesPayload))]
[JsonSerializable(typeof(PainStreamStats))]
[JsonSerializable(typeof(AlertEventPayload))]
[JsonSerializable(typeof(BedAlertPayload))]
[JsonSerializable(typeof(ScorePayload))]
[JsonSerializable(typeof(CommandReplyPayload))]
internal sealed partial class MqttJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Gets the context every payload is written with: as <see cref="JsonSerializerContext"/>'s default but without the
    /// HTML-safe escaping (which would turn <c>'</c> in an error text into <c>\u0027</c>). MQTT payloads are never
    /// embedded in HTML by us, and a consumer's JSON parser reads both forms the same.
    /// </summary>
    public static MqttJsonContext Wire => LazyInitializer.EnsureInitialized(ref _wire, CreateWire);

    private static MqttJsonContext? _wire;

    private static MqttJsonContext CreateWire() =>
        new(new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = null });
}
