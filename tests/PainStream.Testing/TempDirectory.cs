// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Testing;

/// <summary>A fresh directory under the system temp directory, deleted (best effort) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Initializes a new instance of the <see cref="TempDirectory"/> class.</summary>
    /// <param name="prefix">The directory name prefix.</param>
    public TempDirectory(string prefix = "painstream-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Gets the full path.</summary>
    public string Path { get; }

    /// <summary>Gets the full path of <paramref name="name"/> in this directory.</summary>
    /// <param name="name">A relative path.</param>
    /// <returns>The full path.</returns>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
