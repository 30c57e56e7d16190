// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.IntegrationTests;

/// <summary>Runs the daemon tests one after the other: each starts real processes, and the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DaemonTestGroup
{
    public const string Name = "daemon";
}
