// Copyright (c) PainStream contributors. Licensed under the MIT License.


namespace PainStream.Hosting.Configuration;

/// <summary>Where configuration comes from, in order of precedence (last wins).</summary>
/// <remarks>
/// 1. <c>config/painstream.json</c> under the home directory, or the file given with <c>--config</c>;
/// 2. <c>painstream.&lt;Environment&gt;.json</c> beside it (optional; the environment is <c>DOTNET_ENVIRONMENT</c>);
/// 3. environment variables <c>PAINSTREAM__Section__Key</c> (secrets such as camera credentials belong here).
/// Other environment variables are ignored, so the unknown-key check only sees PainStream's own keys.
/// </remarks>
internal static class PainStreamConfiguration
{
    /// <summary>The environment variable prefix.</summary>
    public const string EnvironmentPrefix = "PAINSTREAM__";

    /// <summary>Gets the home directory: <c>PAINSTREAM_HOME</c>, or the current directory.</summary>
    /// <returns>The absolute home directory; relative paths in the configuration are resolved against it.</returns>
    public static string ResolveHome()
    {
        var home = Environment.GetEnvironmentVariable("PAINSTREAM_HOME");
        return Path.GetFullPath(string.IsNullOrWhiteSpace(home) ? Directory.GetCurrentDirectory() : home);
    }

    /// <summary>Gets the main configuration file path.</summary>
    /// <param name="explicitFile">The <c>--config</c> argument, if any.</param>
    /// <param name="home">The home directory.</param>
    /// <returns>The absolute path.</returns>
    public static string ResolveFile(string? explicitFile, string home) =>
        Path.GetFullPath(explicitFile ?? Path.Combine(home, "config", "painstream.json"), home);

    /// <summary>Adds PainStream's sources to <paramref name="builder"/> (after clearing any others).</summary>
    /// <param name="builder">The configuration builder (the host's, or a fresh one).</param>
    /// <param name="file">The main file, which must exist.</param>
    /// <param name="reloadOnChange">Whether to watch the files for changes.</param>
    /// <returns>The builder.</returns>
    public static IConfigurationBuilder AddPainStreamSources(this IConfigurationBuilder builder, string file, bool reloadOnChange)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"Configuration file '{file}' does not exist.", file);
        }

        builder.Sources.Clear();
        var directory = Path.GetDirectoryName(file)!;
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";
        builder.AddJsonFile(s => Watch(s, file, optional: false, reloadOnChange));
        builder.AddJsonFile(s => Watch(s, Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(file)}.{environment}.json"), optional: true, reloadOnChange));
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        return builder;
    }

    private static void Watch(Microsoft.Extensions.Configuration.Json.JsonConfigurationSource source, string path, bool optional, bool reloadOnChange)
    {
        source.Path = path;
        source.Optional = optional;
        source.ReloadOnChange = reloadOnChange;
        source.ResolveFileProvider();

        // A half-written or broken file seen by the watcher must not throw on a watcher thread: the reload service
        // re-reads the files from scratch, reports the problem and keeps the last good configuration.
        if (reloadOnChange)
        {
            source.OnLoadException = context => context.Ignore = true;
        }
    }
}
