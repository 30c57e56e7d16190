// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Runtime.InteropServices;
using PainStream.Hosting;
using PainStream.Hosting.Configuration;

namespace PainStream.Daemon;

/// <summary>
/// The daemon's command line: <c>painstream [run] [--config FILE]</c>, <c>painstream check-config [FILE]</c>, <c>help</c>.
/// The offline tools' verbs (<c>score</c>, <c>eval</c>, <c>dataset</c>, <c>demo-clip</c>, <c>replay</c>) are parsed with
/// the same grammar (<see cref="CliParser"/>), so <c>painstream help</c> lists them and typos exit 64 here too, and are then
/// run by <c>painstream-tools</c> beside the daemon (the <c>painstream</c> wrappers start it directly).
/// </summary>
internal static class DaemonCli
{
    /// <summary>The offline tools' assembly name (<c>src/PainStream.Tools</c>), published beside the daemon.</summary>
    public const string ToolsAssembly = "painstream-tools";

    /// <summary>Runs the verb named by <paramref name="args"/>.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        var handlers = new Dictionary<string, CliParser.VerbHandler>(StringComparer.Ordinal)
        {
            ["run"] = async rest => TryGetOption(rest, "--config", out var configFile, out var error)
                ? await DaemonHost.RunAsync(configFile)
                : Fail(error),
            ["check-config"] = rest => Task.FromResult(CheckConfig(rest.Length > 0 ? rest[0] : null)),
        };
        foreach (var verb in CliParser.ToolVerbs)
        {
            handlers[verb] = rest => RunToolAsync([verb, .. rest]);
        }

        return await CliParser.InvokeAsync(CliParser.Build(handlers), args, Console.Out, Console.Error);
    }

    /// <summary>
    /// Runs an offline tool's verb in <c>painstream-tools</c> beside this assembly, with this process's standard streams.
    /// SIGINT reaches both processes from the terminal; SIGTERM here ends the tool too.
    /// </summary>
    private static async Task<int> RunToolAsync(string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, ToolsAssembly + ".dll");
        var host = Path.Combine(AppContext.BaseDirectory, ToolsAssembly);
        if (!File.Exists(dll))
        {
            await Console.Error.WriteLineAsync($"painstream: '{args[0]}' is an offline tool, and {dll} is missing: build src/PainStream.Tools into {AppContext.BaseDirectory} (scripts/setup does).");
            return Cli.ExitStartupFailure;
        }

        // The same .NET host as this process when it runs as 'dotnet painstream.dll', else the tool's own apphost.
        var viaDotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath ?? string.Empty) == "dotnet" || !File.Exists(host);
        var start = new ProcessStartInfo(viaDotnet ? Environment.ProcessPath ?? "dotnet" : host) { UseShellExecute = false };
        if (viaDotnet)
        {
            start.ArgumentList.Add(dll);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var tool = Process.Start(start) ?? throw new InvalidOperationException("painstream-tools did not start");
        void Forward(PosixSignalContext context)
        {
            context.Cancel = true;
            if (context.Signal == PosixSignal.SIGTERM && !tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        await tool.WaitForExitAsync();
        return tool.ExitCode;
    }

    private static int CheckConfig(string? file)
    {
        var home = PainStreamConfiguration.ResolveHome();
        var path = PainStreamConfiguration.ResolveFile(file, home);
        var problems = Cli.LoadAndCheck(path, home, out _, out var settings);
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
            return Cli.ExitBadConfig;
        }

        var cameras = settings!.Cameras.Count == 0 ? "none (the demo clip plays as camera 'demo')" : string.Join(", ", settings.Cameras.Keys);
        Console.Out.WriteLine($"{path}: OK; cameras: {cameras}; broker: {(string.IsNullOrEmpty(settings.Mqtt.Host) ? $"embedded on 127.0.0.1:{settings.Mqtt.EmbeddedPort}" : $"{settings.Mqtt.Host}:{settings.Mqtt.Port}")}");
        return 0;
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
        Console.Error.WriteLine("See 'painstream --help'.");
        return Cli.ExitUsage;
    }
}
