// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Hosting;
using PainStream.Tools.Commands;

namespace PainStream.Tools;

/// <summary>
/// The offline tools' command line (<c>painstream-tools</c>, run by the <c>painstream</c> wrappers for these verbs):
/// <c>score</c>, <c>demo-clip</c>, <c>dataset</c>, <c>eval</c>, <c>replay</c>. The grammar is <see cref="CliParser"/>'s,
/// the same the daemon parses them with; each verb then checks its values. Exit codes are <see cref="Cli"/>'s.
/// </summary>
internal static class ToolsCli
{
    private static readonly string Usage = """
        Usage: painstream [VERB] [OPTIONS]

        Offline verbs:
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
          help                       show this text ('painstream help' also lists run and check-config)

        Configuration: config/painstream.json under PAINSTREAM_HOME (or the working directory), overridden by
        painstream.<DOTNET_ENVIRONMENT>.json beside it and environment variables PAINSTREAM__Section__Key.
        """.Replace("{DatasetSynopsis}", DatasetCommand.Synopsis.Trim(), StringComparison.Ordinal)
        .Replace("{EvalSynopsis}", EvalCommand.Synopsis.Trim(), StringComparison.Ordinal)
        .Replace("{ReplaySynopsis}", ReplayCommand.Synopsis.Trim(), StringComparison.Ordinal);

    /// <summary>Runs the verb named by <paramref name="args"/>.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = CliParser.Build(new Dictionary<string, CliParser.VerbHandler>(StringComparer.Ordinal)
        {
            ["score"] = rest => ScoreCommand.RunAsync(rest, Fail),
            ["demo-clip"] = rest => Cli.RunCancellableAsync(ct => DemoClipCommand.RunAsync(rest, Console.Out, Console.Error, ct)),
            ["dataset"] = rest => Cli.RunCancellableAsync(ct => DatasetCommand.RunAsync(rest, Console.Out, Console.Error, ct)),
            ["eval"] = rest => Cli.RunCancellableAsync(ct => EvalCommand.RunAsync(rest, Console.Out, Console.Error, ct)),
            ["replay"] = rest => Task.FromResult(ReplayCommand.Run(rest, Console.Out, Console.Error)),
        });
        return await CliParser.InvokeAsync(root, args, Console.Out, Console.Error);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("painstream: " + message);
        Console.Error.WriteLine(Usage);
        return Cli.ExitUsage;
    }
}
