// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using NJsonSchema;
namespace PainStream.Testing;

/// <summary>The JSON Schemas of the MQTT contract (docs/schemas), and which topic each one describes.</summary>
public static class PayloadSchemas
{
    public const string AlertEvent = "alert-event";
    public const string BedAlert = "bed-alert";
    public const string Score = "score";
    public const string CommandAck = "command-ack";
    public const string CommandSnooze = "command-snooze";
    public const string CommandReply = "command-reply";
    public const string Status = "status";
    public const string Faces = "faces";
    public const string Stats = "stats";

    /// <summary>The name given to <c>&lt;prefix&gt;/available</c>, which is plain text, not JSON.</summary>
    public const string AvailableText = "available (text)";

    private static readonly ConcurrentDictionary<string, Task<JsonSchema>> Loaded = new(StringComparer.Ordinal);

    public static string Directory => Path.Combine(TestPaths.RepoRoot, "docs", "schemas");

    public static IReadOnlyList<string> All { get; } = [AlertEvent, BedAlert, Score, CommandAck, CommandSnooze, CommandReply, Status, Faces, Stats];

    /// <summary>Loads a schema once (NJsonSchema resolves the relative file references between them).</summary>
    public static Task<JsonSchema> LoadAsync(string name) =>
        Loaded.GetOrAdd(name, n => JsonSchema.FromFileAsync(Path.Combine(Directory, n + ".schema.json")));

    /// <summary>Validates <paramref name="json"/> against the schema <paramref name="name"/>.</summary>
    /// <returns>The problems, empty when valid.</returns>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string name, string json)
    {
        var schema = await LoadAsync(name);
        return [.. schema.Validate(json).Select(e => e.ToString())];
    }

    /// <summary>Gets the schema of a topic under <paramref name="prefix"/>, <see cref="AvailableText"/>, or <see langword="null"/> for a topic the contract does not have.</summary>
    public static string? ForTopic(string topic, string prefix = "painstream")
    {
        if (!topic.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            return null;
        }

        return topic[(prefix.Length + 1)..].Split('/') switch
        {
            ["available"] => AvailableText,
            ["alerts"] => AlertEvent,
            ["stats"] => Stats,
            [_, "status"] => Status,
            [_, "faces"] => Faces,
            [_, _, "alert"] => BedAlert,
            [_, _, "score"] => Score,
            [_, _, "reply"] => CommandReply,
            [_, _, "ack"] => CommandAck,
            [_, _, "snooze"] => CommandSnooze,
            [_, _, "baseline", "reset"] => CommandAck,
            _ => null,
        };
    }
}
