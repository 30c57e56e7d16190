// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Serialization;
using PainStream.Core.Alerting;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <summary>
/// One episode event on <c>&lt;prefix&gt;/alerts</c> (QoS 1, not retained); schema <c>docs/schemas/alert-event.schema.json</c>.
/// </summary>
/// <param name="Schema">The payload version, <see cref="CurrentSchema"/>.</param>
/// <param name="Id">The episode id (32 hex digits), the same for every event of the episode.</param>
/// <param name="Seq">The event's outbox sequence: strictly increasing over every event this daemon stores; (id, seq) is the dedupe key.</param>
/// <param name="Type"><c>new</c>, <c>update</c> or <c>end</c>.</param>
/// <param name="Priority"><c>low</c>, <c>medium</c> or <c>high</c>.</param>
/// <param name="Camera">The camera name.</param>
/// <param name="Bed">The bed name.</param>
/// <param name="StartedAt">When the condition began (UTC).</param>
/// <param name="Ts">When the event was emitted (UTC).</param>
/// <param name="Score">The smoothed score (0–16, two decimals), or <see langword="null"/>.</param>
/// <param name="Peak">The episode's peak score, or <see langword="null"/>.</param>
/// <param name="Reason"><c>pain</c>, <c>camera_offline</c>, <c>face_not_visible</c> or <c>scorer_failed</c>.</param>
/// <param name="Cause">
/// Why the event was emitted (<c>onset</c>, <c>peak_rise</c>, <c>escalation</c>, <c>re_alert</c>, <c>acknowledged</c>,
/// <c>resolved</c>, <c>snoozed</c>, <c>baseline_reset</c>, <c>removed</c>, <c>disabled</c>, <c>restarted</c>).
/// </param>
/// <param name="Acknowledged">Whether the nurse station has acknowledged the episode.</param>
/// <param name="SnoozedUntil">The end of the bed's snooze (UTC), or <see langword="null"/>.</param>
/// <param name="Model">The scorer, or <see langword="null"/>.</param>
/// <param name="Explanation">What drives the score (by action unit, and for a CNN by facial region), or <see langword="null"/>.</param>
/// <param name="Scale">The scale of <paramref name="Score"/> and <paramref name="Peak"/>: <c>pspi</c> (0–16) or <c>flacc</c> (0–10, infant beds).</param>
/// <param name="By">The authenticated user whose command caused the event (left out otherwise).</param>
internal sealed record AlertEventPayload(
    int Schema,
    string Id,
    long Seq,
    string Type,
    string Priority,
    string Camera,
    string Bed,
    DateTimeOffset StartedAt,
    DateTimeOffset Ts,
    double? Score,
    double? Peak,
    string Reason,
    string Cause,
    bool Acknowledged,
    DateTimeOffset? SnoozedUntil,
    string? Model,
    ExplanationPayload? Explanation,
    string Scale = "pspi",
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? By = null)
{
    /// <summary>The payload version written in <c>schema</c>.</summary>
    public const int CurrentSchema = 1;

    /// <summary>Maps an event to its wire form.</summary>
    /// <param name="alert">The event.</param>
    /// <param name="seq">Its outbox sequence.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An enum value the contract does not know.</exception>
    public static AlertEventPayload From(AlertEvent alert, long seq)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var explanation = ExplanationPayload.From(alert.Explanation, alert.ExplanationRegions);

        return new AlertEventPayload(
            CurrentSchema,
            alert.Id,
            seq,
            TypeName(alert.Type),
            PriorityName(alert.Priority),
            alert.Camera.Value,
            alert.Bed,
            alert.StartedAt,
            alert.Ts,
            Round2(alert.Score),
            Round2(alert.Peak),
            ReasonName(alert.Reason),
            CauseName(alert.Cause),
            alert.Acknowledged,
            alert.SnoozedUntil,
            alert.Model,
            explanation,
            alert.Scale.WireName(),
            alert.By);
    }

    /// <summary>Gets the wire name of an event type.</summary>
    /// <param name="type">The type.</param>
    /// <returns><c>new</c>, <c>update</c> or <c>end</c>.</returns>
    public static string TypeName(AlertEventType type) => type switch
    {
        AlertEventType.New => "new",
        AlertEventType.Update => "update",
        AlertEventType.End => "end",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not in the alert contract"),
    };

    /// <summary>Gets the wire name of a priority.</summary>
    /// <param name="priority">The priority.</param>
    /// <returns><c>low</c>, <c>medium</c> or <c>high</c>.</returns>
    public static string PriorityName(AlertPriority priority) => priority switch
    {
        AlertPriority.Low => "low",
        AlertPriority.Medium => "medium",
        AlertPriority.High => "high",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "not in the alert contract"),
    };

    /// <summary>Gets the wire name (snake_case) of a reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The name.</returns>
    public static string ReasonName(AlertReason reason) => reason switch
    {
        AlertReason.Pain => "pain",
        AlertReason.CameraOffline => "camera_offline",
        AlertReason.FaceNotVisible => "face_not_visible",
        AlertReason.ScorerFailed => "scorer_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "not in the alert contract"),
    };

    /// <summary>Gets the wire name (snake_case) of a cause.</summary>
    /// <param name="cause">The cause.</param>
    /// <returns>The name.</returns>
    public static string CauseName(AlertCause cause) => cause switch
    {
        AlertCause.Onset => "onset",
        AlertCause.PeakRise => "peak_rise",
        AlertCause.Escalation => "escalation",
        AlertCause.ReAlert => "re_alert",
        AlertCause.Acknowledged => "acknowledged",
        AlertCause.Resolved => "resolved",
        AlertCause.Snoozed => "snoozed",
        AlertCause.BaselineReset => "baseline_reset",
        AlertCause.Removed => "removed",
        AlertCause.Disabled => "disabled",
        AlertCause.Restarted => "restarted",
        AlertCause.NoEvidence => "no_evidence",
        AlertCause.Moved => "moved",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, "not in the alert contract"),
    };

    /// <summary>Maps the wire form back to an event (an episode's last event, stored to end it after a restart).</summary>
    /// <returns>The event, or <see langword="null"/> when a name is not in the contract or the camera or bed is invalid.</returns>
    public AlertEvent? ToEvent()
    {
        if (!TryParse(Type, TypeName, out AlertEventType type) || !TryParse(Priority, PriorityName, out AlertPriority priority)
            || !TryParse(Reason, ReasonName, out AlertReason reason) || !TryParse(Cause, CauseName, out AlertCause cause)
            || !Core.Frames.CameraId.IsValid(Camera) || !Core.Frames.CameraId.IsValid(Bed) || string.IsNullOrEmpty(Id))
        {
            return null;
        }

        return new AlertEvent
        {
            Id = Id,
            Type = type,
            Cause = cause,
            Reason = reason,
            Priority = priority,
            Camera = new Core.Frames.CameraId(Camera),
            Bed = Bed,
            StartedAt = StartedAt,
            Ts = Ts,
            Score = Score,
            Peak = Peak,
            Acknowledged = Acknowledged,
            SnoozedUntil = SnoozedUntil,
            Model = Model,

            // Events stored before the scale existed were all PSPI.
            Scale = string.Equals(Scale, ScoreScale.Flacc.WireName(), StringComparison.Ordinal) ? ScoreScale.Flacc : ScoreScale.Pspi,
            Explanation = Explanation?.Terms,
            ExplanationRegions = Explanation?.Regions,
            By = By,
        };
    }

    private static bool TryParse<T>(string? name, Func<T, string> nameOf, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(nameOf(candidate), name, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Rounds to two decimals; a non-finite value becomes <see langword="null"/> (unknown).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The rounded value.</returns>
    internal static double? Round2(double? value) =>
        value is { } v && double.IsFinite(v) ? Math.Round(v, 2, MidpointRounding.AwayFromZero) : null;
}

/// <summary>
/// A bed's retained alert state on <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/alert</c> (QoS 1, retained); schema
/// <c>docs/schemas/bed-alert.schema.json</c>.
/// </summary>
/// <remarks>
/// <c>episode</c> is the open pain episode when there is one, otherwise the most urgent open technical alarm (highest
/// priority, then the oldest); <c>technical</c> lists every open technical alarm (the same order), so a technical alarm
/// shown as <c>episode</c> is listed there too. With nothing open: <c>{"state":"none","seq":…,"ts":…}</c>.
/// </remarks>
/// <param name="State"><c>active</c> or <c>none</c>.</param>
/// <param name="Seq">The sequence of the event that produced this state: a dashboard ignores a state older than an event it has seen.</param>
/// <param name="Ts">When that event was emitted (UTC).</param>
/// <param name="Episode">The primary open episode, or <see langword="null"/> (left out) when none.</param>
/// <param name="Technical">The open technical alarms, or <see langword="null"/> (left out) when none is open at all.</param>
internal sealed record BedAlertPayload(
    string State,
    long Seq,
    DateTimeOffset Ts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AlertEventPayload? Episode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AlertEventPayload>? Technical)
{
    /// <summary>The state when at least one episode is open.</summary>
    public const string Active = "active";

    /// <summary>The state when no episode is open.</summary>
    public const string None = "none";

    /// <summary>Maps a bed's projected state (<see cref="BedAlertState"/>) to its wire form.</summary>
    /// <param name="state">The bed's state after the event.</param>
    /// <param name="seq">The sequence of the event that produced this state.</param>
    /// <param name="ts">When that event was emitted.</param>
    /// <returns>The payload.</returns>
    public static BedAlertPayload From(BedAlertState state, long seq, DateTimeOffset ts)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Primary is not { } primary)
        {
            return new BedAlertPayload(None, seq, ts, null, null);
        }

        var list = new List<AlertEventPayload>(state.Technical.Count);
        foreach (var alert in state.Technical)
        {
            list.Add(AlertEventPayload.From(alert.Event, alert.Sequence));
        }

        return new BedAlertPayload(Active, seq, ts, AlertEventPayload.From(primary.Event, primary.Sequence), list);
    }
}

/// <summary>A bed's score on <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/score</c> (QoS 0); schema <c>docs/schemas/score.schema.json</c>.</summary>
/// <param name="Ts">When the scored frame was captured (UTC).</param>
/// <param name="Pspi">The raw PSPI score (two decimals), or <see langword="null"/> when the face could not be scored or the bed is on the FLACC scale.</param>
/// <param name="Smoothed">The smoothed score on <paramref name="Scale"/>, or <see langword="null"/> while unknown.</param>
/// <param name="Level">The bed's alert state: <c>idle</c>, <c>pending</c>, <c>active</c> or <c>ending</c>.</param>
/// <param name="Confidence">Confidence of the raw score, 0–1 (three decimals).</param>
/// <param name="Quality"><c>ok</c>, or why the face cannot be scored.</param>
/// <param name="Scorer">The scorer's name.</param>
/// <param name="Scale"><c>pspi</c> or <c>flacc</c>.</param>
/// <param name="Flacc">An infant bed's raw FLACC score (0–10, two decimals), or <see langword="null"/> (left out on PSPI beds).</param>
/// <param name="FlaccLevel">An infant bed's FLACC level of the smoothed score (<c>0</c>, <c>1-3</c>, <c>4-6</c>, <c>7-10</c>), or <see langword="null"/> (left out).</param>
internal sealed record ScorePayload(
    DateTimeOffset Ts,
    double? Pspi,
    double? Smoothed,
    string Level,
    double Confidence,
    string Quality,
    string Scorer,
    string Scale,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Flacc = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FlaccLevel = null)
{
    /// <summary>Maps a report to its wire form.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The payload.</returns>
    public static ScorePayload From(ScoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var confidence = double.IsFinite(report.Confidence) ? Math.Round(Math.Clamp(report.Confidence, 0, 1), 3) : 0;
        var flacc = report.Scale == ScoreScale.Flacc;

        // An infant bed's score never goes out as "pspi": a consumer that ignores "scale" sees no PSPI rather than a wrong one.
        return new ScorePayload(
            report.Ts,
            flacc ? null : AlertEventPayload.Round2(report.Pspi),
            AlertEventPayload.Round2(report.Smoothed),
            LevelName(report.State),
            confidence,
            report.Quality,
            report.Scorer,
            report.Scale.WireName(),
            flacc ? AlertEventPayload.Round2(report.Pspi) : null,
            flacc && report.Smoothed is { } s ? ScoreScales.FlaccLevel(s) : null);
    }

    /// <summary>Gets the wire name of an alert state.</summary>
    /// <param name="state">The state.</param>
    /// <returns><c>idle</c>, <c>pending</c>, <c>active</c> or <c>ending</c>.</returns>
    public static string LevelName(PainAlertState state) => state switch
    {
        PainAlertState.Idle => "idle",
        PainAlertState.Pending => "pending",
        PainAlertState.Active => "active",
        PainAlertState.Ending => "ending",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not in the alert contract"),
    };
}

/// <summary>
/// The answer to a command on <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/reply</c> (QoS 1, not retained); schema
/// <c>docs/schemas/command-reply.schema.json</c>.
/// </summary>
/// <param name="Command"><c>ack</c>, <c>snooze</c>, <c>baseline/reset</c>, or <c>unknown</c> for a topic that is no command.</param>
/// <param name="Ok">Whether the command was applied.</param>
/// <param name="Error">Why not, or <see langword="null"/> when <paramref name="Ok"/>.</param>
/// <param name="Ts">When the reply was made (UTC).</param>
/// <param name="User">The sender as the broker authenticated it, or <see langword="null"/> when the broker does not say.</param>
internal sealed record CommandReplyPayload(string Command, bool Ok, string? Error, DateTimeOffset Ts, string? User = null);

/// <summary>
/// The <c>explanation</c> of an episode event: the scorer's terms as numbers (the geometric scorer's AU breakdown:
/// <c>{"au4":…,"au6_7":…}</c>), plus, for a learned model with class activation maps, <c>"regions"</c>: an object of
/// facial-region shares summing to 1 (<c>{"regions":{"brow":0.4,"eyes":0.3,"nose_upper_lip":0.2,"mouth":0.1}}</c>).
/// </summary>
/// <param name="Terms">Name → value in the scorer's units (rounded to 3 decimals, non-finite ones left out), or <see langword="null"/>.</param>
/// <param name="Regions">Region → share (rounded to 3 decimals), or <see langword="null"/>.</param>
[JsonConverter(typeof(ExplanationPayloadConverter))]
internal sealed record ExplanationPayload(IReadOnlyDictionary<string, double>? Terms, IReadOnlyDictionary<string, double>? Regions)
{
    /// <summary>The key of the regions object.</summary>
    public const string RegionsKey = "regions";

    /// <summary>Builds the wire form, or <see langword="null"/> when there is nothing to explain.</summary>
    /// <param name="terms">The scorer's terms.</param>
    /// <param name="regions">The region shares.</param>
    /// <returns>The payload.</returns>
    public static ExplanationPayload? From(IReadOnlyDictionary<string, double>? terms, IReadOnlyDictionary<string, double>? regions)
    {
        var t = Round(terms);
        var r = Round(regions);
        return t is null && r is null ? null : new ExplanationPayload(t, r);
    }

    /// <inheritdoc/>
    public bool Equals(ExplanationPayload? other) =>
        other is not null && Same(Terms, other.Terms) && Same(Regions, other.Regions);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Terms?.Count, Regions?.Count);

    private static Dictionary<string, double>? Round(IReadOnlyDictionary<string, double>? values)
    {
        if (values is null)
        {
            return null;
        }

        var result = new Dictionary<string, double>(values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            // A non-finite term is meaningless to a dashboard and would break the schema: left out.
            if (double.IsFinite(value) && !string.Equals(name, RegionsKey, StringComparison.Ordinal))
            {
                result[name] = Math.Round(value, 3);
            }
        }

        return result;
    }

    private static bool Same(IReadOnlyDictionary<string, double>? a, IReadOnlyDictionary<string, double>? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (name, value) in a)
        {
            if (!b.TryGetValue(name, out var other) || !value.Equals(other))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Writes and reads <see cref="ExplanationPayload"/> as one flat object with an optional nested <c>regions</c>.</summary>
internal sealed class ExplanationPayloadConverter : JsonConverter<ExplanationPayload>
{
    /// <inheritdoc/>
    public override ExplanationPayload? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("explanation must be an object");
        }

        Dictionary<string, double>? terms = null;
        Dictionary<string, double>? regions = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (string.Equals(name, ExplanationPayload.RegionsKey, StringComparison.Ordinal) && reader.TokenType == JsonTokenType.StartObject)
            {
                regions = ReadNumbers(ref reader);
            }
            else if (reader.TokenType == JsonTokenType.Number)
            {
                (terms ??= new(StringComparer.Ordinal))[name] = reader.GetDouble();
            }
            else
            {
                reader.Skip();
            }
        }

        return new ExplanationPayload(terms, regions);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ExplanationPayload value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (name, term) in value.Terms ?? Empty)
        {
            writer.WriteNumber(name, term);
        }

        if (value.Regions is { } regions)
        {
            writer.WriteStartObject(ExplanationPayload.RegionsKey);
            foreach (var (name, share) in regions)
            {
                writer.WriteNumber(name, share);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static readonly Dictionary<string, double> Empty = [];

    private static Dictionary<string, double> ReadNumbers(ref Utf8JsonReader reader)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number)
            {
                values[name] = reader.GetDouble();
            }
            else
            {
                reader.Skip();
            }
        }

        return values;
    }
}
