// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Testing;

/// <summary>Paths of the repository, the fetched models and the fixtures extracted by <c>scripts/setup</c>.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>Gets the repository root (the directory holding PainStream.sln).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>Gets the models directory filled by <c>models/fetch</c>.</summary>
    public static string Models => Path.Combine(RepoRoot, "models");

    /// <summary>Gets the fixtures directory filled by <c>scripts/setup</c> (images and clips from Debian packages).</summary>
    public static string Fixtures => Path.Combine(RepoRoot, "data", "fixtures");

    /// <summary>Gets the path of a fixture file and fails clearly when set-up has not produced it.</summary>
    /// <param name="name">The file name under <see cref="Fixtures"/>.</param>
    /// <returns>The full path.</returns>
    public static string Fixture(string name)
    {
        var path = Path.Combine(Fixtures, name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Test fixture '{path}' is missing: run scripts/setup (README command 2 does) to extract it.", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PainStream.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PainStream.sln not found above " + AppContext.BaseDirectory);
    }
}
