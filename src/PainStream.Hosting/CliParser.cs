// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace PainStream.Hosting;

/// <summary>
/// Every verb's grammar in System.CommandLine: names, aliases, arity, <c>--help</c>/<c>-h</c>, typo suggestions and
/// missing values behave like every .NET CLI. A parse error exits <see cref="Cli.ExitUsage"/>. A verb that parses is
/// handed its arguments in one canonical form (<c>--name value</c>, flags bare, arguments in order), and the verb
/// checks the values themselves (ranges, files) with its own messages and exit codes.
/// </summary>
internal static class CliParser
{
    private const string ConfigurationNote =
        "Configuration: config/painstream.json under PAINSTREAM_HOME (or the working directory), overridden by " +
        "painstream.<DOTNET_ENVIRONMENT>.json beside it and environment variables PAINSTREAM__Section__Key.";

    /// <summary>The offline tools' verbs, run by <c>painstream-tools</c> (<c>src/PainStream.Tools</c>), not by the daemon.</summary>
    public static readonly IReadOnlyList<string> ToolVerbs = ["score", "demo-clip", "dataset", "eval", "replay"];

    /// <summary>What a verb does once its command line parsed: the canonical arguments after the verb, the exit code.</summary>
    /// <param name="arguments">The verb's arguments in canonical form.</param>
    /// <returns>The exit code.</returns>
    public delegate Task<int> VerbHandler(string[] arguments);

    /// <summary>Builds the command tree, each verb calling its handler.</summary>
    /// <param name="handlers">The handler per verb name (<c>run</c>, <c>check-config</c>, <c>score</c>, …); a verb without one
    /// is left out of the tree (the tools' tree has no <c>run</c>).</param>
    /// <returns>The root command: a <see cref="RootCommand"/> for the daemon.</returns>
    public static Command Build(IReadOnlyDictionary<string, VerbHandler> handlers)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        // The daemon's root is its executable (painstream); the tools' root is named painstream too, not after their
        // assembly (painstream-tools), because users reach them as 'painstream VERB' through the wrappers.
        Command root = handlers.ContainsKey("run")
            ? new RootCommand("PainStream: pain monitoring from ward cameras. With no verb, runs the daemon (as 'run'). " + ConfigurationNote)
            : new Command("painstream", "PainStream's offline tools (painstream-tools): score still images, make demo clips, build and evaluate datasets, replay a bed's alert policy. " + ConfigurationNote)
            {
                Options = { new HelpOption() },
            };
        var rootConfig = ConfigOption("the configuration file (default config/painstream.json under PAINSTREAM_HOME)");
        if (handlers.ContainsKey("run"))
        {
            root.Options.Add(rootConfig);
            Bind(root, handlers.GetValueOrDefault("run"));
        }

        var run = new Command("run", "Run the daemon (the default verb).");
        run.Options.Add(ConfigOption("the configuration file (default config/painstream.json under PAINSTREAM_HOME)"));
        Bind(run, handlers.GetValueOrDefault("run"));

        var checkConfig = new Command("check-config", "Check a configuration file, print every problem with its key; exit 2 if any.");
        checkConfig.Arguments.Add(NoOptions(new Argument<string>("FILE") { Arity = ArgumentArity.ZeroOrOne, Description = "the configuration file (default config/painstream.json under PAINSTREAM_HOME)" }));
        Bind(checkConfig, handlers.GetValueOrDefault("check-config"));

        var score = new Command(
            "score",
            "Detect, landmark and score every face in still images (exit 65 if an image cannot be read); with --json one JSON array, one object per image.");
        score.Arguments.Add(NoOptions(new Argument<string[]>("IMAGE") { Arity = ArgumentArity.ZeroOrMore, Description = "the images to score" }));
        score.Options.Add(Value("--baseline", "IMAGE", "a neutral image of the same person: scores relative to it"));
        score.Options.Add(Flag("--json", "print one JSON array, one object per image"));
        score.Options.Add(Value("--detector", "front|back|haar", "the face detector"));
        score.Options.Add(Value("--camera", "NAME", "treat each image as a still from this configured camera at its own resolution: report the inter-ocular pixels each bed's face reaches, with Analysis=frame and Analysis=beds"));
        score.Options.Add(Value("--camera", "NAME", "treat each image as a still from this configured camera at its own resolution: report the inter-ocular pixels each bed's face reaches, with Analysis=frame and Analysis=beds"));
        score.Options.Add(ConfigOption("the configuration file whose Scoring section is used"));
        Bind(score, handlers.GetValueOrDefault("score"));

        var demoClip = new Command(
            "demo-clip",
            "Make a pain demo clip (H.264 MP4, 640x360) from a face image: neutral, ramp, grimace, ramp, neutral again. " +
            "Exit 64 for a bad option, a missing image or no face in it, 3 when a model or ffmpeg cannot be loaded, 1 when encoding fails.");
        demoClip.Options.Add(Value("--face", "IMAGE", "the face image (required)"));
        demoClip.Options.Add(Value("--out", "FILE", "the MP4 to write (required)"));
        demoClip.Options.Add(Value("--fps", "N", "frames per second (default 10)"));
        demoClip.Options.Add(Value("--neutral-seconds", "S", "the leading neutral part (default 12)"));
        demoClip.Options.Add(Value("--trailing-seconds", "S", "the trailing neutral part (default 20)"));
        demoClip.Options.Add(Value("--grimace-seconds", "S", "the grimace (default 18)"));
        demoClip.Options.Add(Value("--ramp-seconds", "S", "each ramp (default 1)"));
        demoClip.Options.Add(Value("--models", "DIR", "the models folder"));
        demoClip.Options.Add(Value("--scene", "single|ward", "single: one face, 640x360 (default); ward: four beds, 1920x1080, the --face patient grimaces"));
        demoClip.Options.Add(new Option<string[]>("--other-face") { HelpName = "IMAGE", Description = "ward: a neutral patient's face image, once per other bed (three)" });
        demoClip.Options.Add(Value("--seed", "N", "ward: the seed of the neutral beds' head turns and eye closures (default 12)"));
        Bind(demoClip, handlers.GetValueOrDefault("demo-clip"));

        var dataset = new Command("dataset", "Build datasets: align a labelled dataset, or synthesise a pain dataset.");
        var align = new Command(
            "align",
            "Detect, landmark and align every image of dataset SRC (labels.csv) to the 112-px crop: DST/<path>.png and DST/labels.csv; " +
            "images missing, unreadable or without a face are listed in DST/skipped.csv (exit 65 if any).");
        align.Arguments.Add(NoOptions(new Argument<string>("SRC") { Arity = ArgumentArity.ZeroOrOne, Description = "the dataset folder (labels.csv)" }));
        align.Options.Add(Value("--out", "DST", "the output folder (new or empty; required)"));
        AddDetectionOptions(align);
        Bind(align, args => handlers["dataset"](["align", .. args]));
        var synth = new Command(
            "synth",
            "Synthetic pain dataset: random grimaces (brow, eyes, lip) warped onto each face, augmented and aligned; " +
            "PSPI labels from the warp geometry (synthetic, not clinical).");
        synth.Options.Add(new Option<string[]>("--face") { HelpName = "IMAGE|CLIP", Description = "a source face image or clip (repeat for more; required)" });
        synth.Options.Add(Value("--out", "DST", "the output folder (new or empty; required)"));
        synth.Options.Add(Value("--per-face", "N", "items per source face (default 200)"));
        synth.Options.Add(Value("--seed", "S", "the random seed (default 42)"));
        synth.Options.Add(Value("--frames-per-clip", "N", "source faces taken from each clip (default 3)"));
        AddDetectionOptions(synth);
        Bind(synth, args => handlers["dataset"](["synth", .. args]));
        dataset.Subcommands.Add(align);
        dataset.Subcommands.Add(synth);

        var eval = new Command(
            "eval",
            "Score every item of a labelled dataset folder (labels.csv) and report accuracy, macro F1, Cohen's kappa, macro AUC, ECE, " +
            "PCC, MAE, confusion matrix, per-subject breakdown and throughput; report.md, report.json and predictions.csv go to --report DIR.");
        eval.Arguments.Add(NoOptions(new Argument<string>("DATASET") { Arity = ArgumentArity.ZeroOrOne, Description = "the labelled dataset folder" }));
        eval.Options.Add(Value("--scorer", "geometric|onnx:MODEL", "the scorer; MODEL is a .onnx file (its manifest beside it) or a name in --models DIR"));
        eval.Options.Add(Value("--scheme", "gla4|da5|res7", "the class scheme of the geometric scorer (default da5); a model uses its own classes"));
        eval.Options.Add(Flag("--json", "print the JSON report"));
        eval.Options.Add(Value("--report", "DIR", "where the report goes (default ./eval-<dataset>)"));
        AddDetectionOptions(eval);
        Bind(eval, handlers.GetValueOrDefault("eval"));

        var replay = new Command(
            "replay",
            "Re-run bed C/B's alert policy over its score history from --from to --to with the running settings changed by --set; " +
            "prints the episodes that happened and those the settings would have raised, and the configuration snippet. Exit 2 for an invalid setting.");
        replay.Options.Add(Value("--camera", "C", "the camera (required)"));
        replay.Options.Add(Value("--bed", "B", "the bed (required)"));
        replay.Options.Add(Value("--from", "TIME", "the start (ISO-8601 or Unix ms; default 1 h before --to)"));
        replay.Options.Add(Value("--to", "TIME", "the end (ISO-8601 or Unix ms; default now)"));
        replay.Options.Add(new Option<string[]>("--set")
        {
            HelpName = "KEY=VALUE",
            Description = "an Alerting setting to change (OnThreshold, OffThreshold, DwellSeconds, HoldSeconds, ReAlertMinutes, EscalateAfterMinutes, MinConfidence, FaceNotVisibleMinutes); repeat for more",
        });
        replay.Options.Add(Value("--history", "FILE", "the score history (default Http:History:Path)"));
        replay.Options.Add(Flag("--json", "print JSON"));
        replay.Options.Add(ConfigOption("the configuration file"));
        Bind(replay, handlers.GetValueOrDefault("replay"));

        var help = new Command("help", "Show help: of every verb, or of one.");
        var helpVerb = new Argument<string[]>("VERB") { Arity = ArgumentArity.ZeroOrMore, Description = "the verb (and sub-verb) to show help for" };
        help.Arguments.Add(helpVerb);
        help.SetAction(result =>
        {
            Command verb = root;
            foreach (var name in result.GetValue(helpVerb) ?? [])
            {
                var sub = verb.Subcommands.FirstOrDefault(c => c.Name == name);
                if (sub is null)
                {
                    result.InvocationConfiguration.Error.WriteLine($"painstream help: unknown verb '{name}' (see 'painstream --help').");
                    return Cli.ExitUsage;
                }

                verb = sub;
            }

            var verbHelp = result.RootCommandResult.Command.Parse([.. result.GetValue(helpVerb) ?? [], "--help"], result.Configuration);
            var code = verbHelp.Invoke(result.InvocationConfiguration);
            return verbHelp.Errors.Count > 0 ? Cli.ExitUsage : code;
        });

        foreach (var verb in new[] { run, checkConfig, score, demoClip, dataset, eval, replay })
        {
            if (handlers.ContainsKey(verb.Name))
            {
                root.Subcommands.Add(verb);
            }
        }

        root.Subcommands.Add(help);

        return root;
    }

    /// <summary>Parses and runs a command line.</summary>
    /// <param name="root">The command tree from <see cref="Build"/>.</param>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="stdout">Receives help.</param>
    /// <param name="stderr">Receives parse errors.</param>
    /// <returns>The exit code: <see cref="Cli.ExitUsage"/> when the command line does not parse.</returns>
    public static async Task<int> InvokeAsync(Command root, string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(root);

        // No @response files: an argument starting with '@' is a file name like any other.
        var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,

            // The daemon and the one-shot verbs handle SIGINT/SIGTERM themselves (graceful stop, child processes).
            ProcessTerminationTimeout = null,

            // A verb's unexpected exception is the host's to report, as before.
            EnableDefaultExceptionHandler = false,
        };
        if (result.Errors.Count > 0)
        {
            // Prints each error, typo suggestions and the verb's help.
            await result.InvokeAsync(invocation);
            return Cli.ExitUsage;
        }

        return await result.InvokeAsync(invocation);
    }

    /// <summary>
    /// The canonical arguments of the command that parsed: each option given as <c>--name value</c> (repeated per
    /// value), a flag as <c>--name</c> when true, then the arguments' values in order.
    /// </summary>
    /// <param name="result">The parse result.</param>
    /// <returns>The arguments after the verb.</returns>
    internal static string[] Canonical(ParseResult result)
    {
        var canonical = new List<string>();
        foreach (var child in result.CommandResult.Children)
        {
            switch (child)
            {
                case OptionResult { Implicit: false } option when option.Option is Option<bool>:
                    if (option.GetValueOrDefault<bool>())
                    {
                        canonical.Add(option.Option.Name);
                    }

                    break;
                case OptionResult { Implicit: false } option when option.Option is not HelpOption:
                    foreach (var token in option.Tokens)
                    {
                        canonical.Add(option.Option.Name);
                        canonical.Add(token.Value);
                    }

                    break;
                case ArgumentResult argument:
                    canonical.AddRange(argument.Tokens.Select(t => t.Value));
                    break;
            }
        }

        return [.. canonical];
    }

    private static void Bind(Command command, VerbHandler? handler)
    {
        if (handler is not null)
        {
            command.SetAction((result, _) => handler(Canonical(result)));
        }
    }

    /// <summary>
    /// Rejects an argument value that looks like an option: System.CommandLine hands an unknown <c>--opt</c> to a verb's
    /// free argument, where it would be taken for a file name.
    /// </summary>
    private static Argument<T> NoOptions<T>(Argument<T> argument)
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-') && t.Value.Length > 1))
            {
                var command = (result.Parent as CommandResult)?.Command;
                var near = command?.Options.SelectMany(o => o.Aliases.Prepend(o.Name))
                    .Where(name => name.StartsWith("--", StringComparison.Ordinal) && Distance(name, token.Value) <= 2)
                    .ToList() ?? [];
                var hint = near.Count > 0 ? $"; did you mean {string.Join(" or ", near.Select(n => $"'{n}'"))}?" : string.Empty;
                result.AddError($"Unrecognized option '{token.Value}'{hint} (see '{command?.Name ?? "painstream"} --help').");
            }
        });
        return argument;
    }

    /// <summary>The edit distance (insertions, deletions, substitutions) between two short names.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static void AddDetectionOptions(Command command)
    {
        command.Options.Add(Value("--detector", "front|back", "the face detector"));
        command.Options.Add(Value("--models", "DIR", "the models folder"));
        command.Options.Add(Value("--workers", "N", "parallel workers, 1 to 64"));
    }

    private static Option<string> ConfigOption(string description) => Value("--config", "FILE", description);

    private static Option<string> Value(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description };

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };
}
