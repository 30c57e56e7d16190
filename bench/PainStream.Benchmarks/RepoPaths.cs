// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Benchmarks;

/// <summary>Finds the repository's data and models from wherever BenchmarkDotNet runs the benchmark process.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootValue = new(FindRoot);

    /// <summary>Gets the repository root: <c>PAINSTREAM_HOME</c>, or the first directory above this assembly holding <c>PainStream.sln</c>.</summary>
    public static string Root => RootValue.Value;

    /// <summary>Gets the path of a file under the repository root, failing with the set-up step to run when it is missing.</summary>
    /// <param name="relative">The path relative to the root.</param>
    /// <param name="madeBy">The script that makes the file.</param>
    /// <returns>The absolute path.</returns>
    public static string Require(string relative, string madeBy)
    {
        var path = Path.Combine(Root, relative);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: run {madeBy} first.", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        var home = Environment.GetEnvironmentVariable("PAINSTREAM_HOME");
        if (!string.IsNullOrEmpty(home) && File.Exists(Path.Combine(home, "PainStream.sln")))
        {
            return home;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PainStream.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Cannot find the repository root (PainStream.sln); set PAINSTREAM_HOME.");
    }
}
