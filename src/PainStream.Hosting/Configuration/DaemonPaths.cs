// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Hosting.Configuration;

/// <summary>Where the daemon lives: relative paths in the configuration (models, demo clip) are resolved against <paramref name="Home"/>.</summary>
/// <param name="Home">The home directory (<c>PAINSTREAM_HOME</c> or the working directory).</param>
/// <param name="ConfigFile">The main configuration file.</param>
internal sealed record DaemonPaths(string Home, string ConfigFile);
