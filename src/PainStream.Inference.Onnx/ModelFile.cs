// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Security.Cryptography;

namespace PainStream.Inference.Onnx;

/// <summary>Checks a model file against <c>models/manifest.json</c> before anything loads it.</summary>
public static class ModelFile
{
    /// <summary>
    /// Resolves <paramref name="relativePath"/> under <paramref name="modelsDirectory"/> and checks that the file exists and
    /// that its SHA-256 matches the manifest.
    /// </summary>
    /// <param name="modelsDirectory">The models directory, which holds <c>manifest.json</c>.</param>
    /// <param name="relativePath">The file's path relative to the models directory, as listed in the manifest.</param>
    /// <returns>The verified file's full path.</returns>
    /// <exception cref="ModelFileException">
    /// The manifest or the file is missing (the message says to run <c>models/fetch</c>) or the checksum differs (the message
    /// gives the expected and the actual SHA-256).
    /// </exception>
    public static string Verify(string modelsDirectory, string relativePath)
    {
        var manifest = ModelChecksums.Load(modelsDirectory);
        var entry = manifest.Get(relativePath);
        var path = Path.GetFullPath(Path.Combine(modelsDirectory, entry.Path));
        if (!File.Exists(path))
        {
            throw new ModelFileException(
                $"Model file '{path}' is missing (expected sha256 {entry.Sha256}, from {entry.Source}): run models/fetch to fetch it.",
                path);
        }

        var actual = ComputeSha256(path);
        if (!string.Equals(actual, entry.Sha256, StringComparison.Ordinal))
        {
            throw new ModelFileException(
                $"Model file '{path}' is corrupt: expected sha256 {entry.Sha256}, actual sha256 {actual}. Run models/fetch to fetch it again.",
                path);
        }

        return path;
    }

    /// <summary>Computes a file's SHA-256 as lower-case hex.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The checksum.</returns>
    public static string ComputeSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
