// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using PainStream.Hosting.Configuration;

namespace PainStream.Hosting;

/// <summary>
/// What the daemon's verbs (<c>run</c>, <c>check-config</c>) and the offline tools' verbs (<c>painstream-tools</c>:
/// <c>score</c>, <c>eval</c>, <c>dataset</c>, <c>demo-clip</c>, <c>replay</c>) share: the documented exit codes, option
/// splitting, loading and checking the configuration, and cancellation by SIGINT/SIGTERM. The grammar of every verb is
/// <see cref="CliParser"/>'s (System.CommandLine); each verb then checks its values.
/// </summary>
internal static class Cli
{
    /// <summary>Exit code for a configuration that does not pass the checks.</summary>
    public const int ExitBadConfig = 2;

    /// <summary>Exit code for a model or another start-up resource that cannot be loaded.</summary>
    public const int ExitStartupFailure = 3;

    /// <summary>Exit code for a service that failed while running (systemd restarts the daemon).</summary>
    public const int ExitServiceFailed = 1;

    /// <summary>Exit code for a command line that cannot be understood.</summary>
    public const int ExitUsage = 64;

    /// <summary>
    /// Splits the option at <paramref name="index"/> into its name and value: <c>--name=value</c>, or <c>--name value</c>
    /// (then <paramref name="index"/> moves past the value).
    /// </summary>
    /// <param name="args">The verb's arguments.</param>
    /// <param name="index">The option's index; advanced when the value is the next argument.</param>
    /// <param name="name">The option name.</param>
    /// <param name="value">The value.</param>
    /// <param name="error">Why it failed: the option is last and has no value.</param>
    /// <returns><see langword="true"/> when a value was found.</returns>
    internal static bool TryOptionValue(string[] args, ref int index, out string name, out string value, out string error)
    {
        var arg = args[index];
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        error = string.Empty;
        if (equals > 0)
        {
            name = arg[..equals];
            value = arg[(equals + 1)..];
            return true;
        }

        name = arg;
        if (index + 1 < args.Length)
        {
            value = args[++index];
            return true;
        }

        value = string.Empty;
        error = $"option '{arg}' needs a value";
        return false;
    }

    /// <summary>Loads and checks the configuration, printing every problem. Shared by <c>check-config</c> and start-up.</summary>
    /// <param name="file">The configuration file.</param>
    /// <param name="home">The home directory.</param>
    /// <param name="configuration">The loaded configuration, when the file could be read.</param>
    /// <param name="settings">The valid settings, or <see langword="null"/>.</param>
    /// <returns>The problems found (printed to standard error).</returns>
    internal static IReadOnlyList<string> LoadAndCheck(string file, string home, out IConfigurationRoot? configuration, out PainStreamSettings? settings)
    {
        configuration = null;
        settings = null;
        IReadOnlyList<string> problems;
        try
        {
            configuration = new ConfigurationBuilder().AddPainStreamSources(file, reloadOnChange: false).Build();
            problems = ConfigChecker.Check(configuration, out settings);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or FormatException or IOException)
        {
            // A JSON syntax error surfaces here: reported with its file, line and column.
            problems = [ConfigChecker.DescribeLoadFailure(file, ex)];
        }

        if (settings is not null)
        {
            foreach (var warning in ConfigChecker.Warnings(settings))
            {
                Console.Error.WriteLine("painstream: warning: " + warning);
            }
        }

        if (problems.Count > 0)
        {
            Console.Error.WriteLine($"painstream: invalid configuration ({file}); {problems.Count} problem(s):");
            foreach (var problem in problems)
            {
                Console.Error.WriteLine("  " + problem);
            }
        }

        return problems;
    }

    /// <summary>Runs a one-shot verb with a token that SIGINT (Ctrl+C) and SIGTERM cancel.</summary>
    /// <param name="verb">The verb.</param>
    /// <returns>The verb's exit code.</returns>
    internal static async Task<int> RunCancellableAsync(Func<CancellationToken, Task<int>> verb)
    {
        using var cts = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            // Handled here: the verb stops its child processes and cleans up before the process exits.
            context.Cancel = true;
            cts.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return await verb(cts.Token);
    }
}
