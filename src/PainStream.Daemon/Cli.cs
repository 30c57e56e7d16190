// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using PainStream.Daemon.Configuration;

namespace PainStream.Daemon;

/// <summary>
/// The command line: <c>painstream [run] [--config FILE]</c>, <c>painstream check-config [FILE]</c>,
/// <c>painstream demo-clip --face IMAGE --out FILE …</c> (<see cref="DemoClipCommand"/>). The grammar of every verb
/// is <see cref="CliParser"/>'s (System.CommandLine); each verb then checks its values.
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

    private static readonly string Usage = """
        Usage: painstream [VERB] [OPTIONS]

        Verbs:
          run [--config FILE]        run the daemon (the default verb)
          check-config [FILE]        check a configuration file, print every problem with its key, exit 2 if any
          score IMAGE... [--baseline IMAGE] [--json] [--detector front|back|haar] [--camera NAME] [--config FILE]
                                     detect, landmark and score every face in still images (exit 65 if an image
                                     cannot be read); with --json one JSON array, one object per image
          demo-clip --face IMAGE --out FILE [--fps N] [--neutral-seconds S] [--trailing-seconds S]
                    [--grimace-seconds S] [--ramp-seconds S] [--models DIR]
                                     make a pain demo clip (H.264 MP4, 640x360) from a face image: neutral (default
                                     12 s), ramp (1 s), grimace (18 s), ramp, neutral again (trailing, 20 s); fps
                                     default 10. Exit 64 for a bad option, a missing image or no face in it, 3 when a
                                     model or ffmpeg cannot be loaded, 1 when encoding fails
          {DatasetSynopsis}
          {EvalSynopsis}
          {ReplaySynopsis}
          help                       show this text

        Configuration: config/painstream.json under PAINSTREAM_HOME (or the working directory), overridden by
        painstream.<DOTNET_ENVIRONMENT>.json beside it and environment variables PAINSTREAM__Section__Key.
        """.Replace("{DatasetSynopsis}", Commands.DatasetCommand.Synopsis.Trim(), StringComparison.Ordinal)
        .Replace("{EvalSynopsis}", Commands.EvalCommand.Synopsis.Trim(), StringComparison.Ordinal)
        .Replace("{ReplaySynopsis}", Commands.ReplayCommand.Synopsis.Trim(), StringComparison.Ordinal);

    /// <summary>Runs the verb named by <paramref name="args"/>.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = CliParser.Build(new Dictionary<string, CliParser.VerbHandler>(StringComparer.Ordinal)
        {
            ["run"] = async rest => TryGetOption(rest, "--config", out var configFile, out var error)
                ? await DaemonHost.RunAsync(configFile)
                : Fail(error),
            ["check-config"] = rest => Task.FromResult(CheckConfig(rest.Length > 0 ? rest[0] : null)),
            ["score"] = rest => Commands.ScoreCommand.RunAsync(rest, Fail),
            ["demo-clip"] = rest => RunCancellableAsync(ct => DemoClipCommand.RunAsync(rest, Console.Out, Console.Error, ct)),
            ["dataset"] = rest => RunCancellableAsync(ct => Commands.DatasetCommand.RunAsync(rest, Console.Out, Console.Error, ct)),
            ["eval"] = rest => RunCancellableAsync(ct => Commands.EvalCommand.RunAsync(rest, Console.Out, Console.Error, ct)),
            ["replay"] = rest => Task.FromResult(Commands.ReplayCommand.Run(rest, Console.Out, Console.Error)),
        });
        return await CliParser.InvokeAsync(root, args, Console.Out, Console.Error);
    }

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

    private static int CheckConfig(string? file)
    {
        var home = PainStreamConfiguration.ResolveHome();
        var path = PainStreamConfiguration.ResolveFile(file, home);
        var problems = LoadAndCheck(path, home, out _, out var settings);
        if (problems.Count == 0)
        {
            // Only here, not at start or on a reload (where one bad camera must not stop the others): every camera URL's
            // scheme and shape, and ffmpeg opening each lavfi: graph; and the broker's files, opened as the daemon would.
            problems = [.. ConfigChecker.CheckSources(settings!, probe: true), .. ConfigChecker.CheckFiles(settings!)];
            if (problems.Count > 0)
            {
                Console.Error.WriteLine($"painstream: invalid configuration ({path}); {problems.Count} problem(s):");
            }

            foreach (var problem in problems)
            {
                Console.Error.WriteLine("  " + problem);
            }
        }

        if (problems.Count > 0)
        {
            return ExitBadConfig;
        }

        var cameras = settings!.Cameras.Count == 0 ? "none (the demo clip plays as camera 'demo')" : string.Join(", ", settings.Cameras.Keys);
        Console.Out.WriteLine($"{path}: OK; cameras: {cameras}; broker: {(string.IsNullOrEmpty(settings.Mqtt.Host) ? $"embedded on 127.0.0.1:{settings.Mqtt.EmbeddedPort}" : $"{settings.Mqtt.Host}:{settings.Mqtt.Port}")}");
        return 0;
    }

    /// <summary>Runs a one-shot verb with a token that SIGINT (Ctrl+C) and SIGTERM cancel.</summary>
    private static async Task<int> RunCancellableAsync(Func<CancellationToken, Task<int>> verb)
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

    private static bool TryGetOption(string[] args, string name, out string? value, out string error)
    {
        value = null;
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
            {
                value = args[++i];
            }
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                value = args[i][(name.Length + 1)..];
            }
            else
            {
                error = $"unexpected argument '{args[i]}'";
                return false;
            }
        }

        return true;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("painstream: " + message);
        Console.Error.WriteLine(Usage);
        return ExitUsage;
    }
}
