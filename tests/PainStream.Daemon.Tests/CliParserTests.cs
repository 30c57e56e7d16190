// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Hosting;

namespace PainStream.Daemon.Tests;

/// <summary>
/// Every verb's grammar (System.CommandLine): help on every verb, unknown options and missing values exit 64 with a
/// message naming the option, and a verb that parses gets its arguments in canonical form. The verbs are recorded,
/// not run (their own behaviour is tested by their own tests and the CLI integration tests).
/// </summary>
public sealed class CliParserTests
{
    public static TheoryData<string[], string[]> VerbsAndOptions => new()
    {
        { [], ["--config", "run", "check-config", "score", "demo-clip", "dataset", "eval", "replay", "help"] },
        { ["run"], ["--config"] },
        { ["check-config"], ["FILE"] },
        { ["score"], ["IMAGE", "--baseline", "--json", "--detector", "--config"] },
        { ["demo-clip"], ["--face", "--out", "--fps", "--neutral-seconds", "--trailing-seconds", "--grimace-seconds", "--ramp-seconds", "--models"] },
        { ["dataset"], ["align", "synth"] },
        { ["dataset", "align"], ["SRC", "--out", "--detector", "--models", "--workers"] },
        { ["dataset", "synth"], ["--face", "--out", "--per-face", "--seed", "--frames-per-clip", "--detector", "--models", "--workers"] },
        { ["eval"], ["DATASET", "--scorer", "--scheme", "--json", "--report", "--detector", "--models", "--workers"] },
        { ["replay"], ["--camera", "--bed", "--from", "--to", "--set", "--history", "--json", "--config"] },
        { ["help"], ["VERB"] },
    };

    [Theory]
    [MemberData(nameof(VerbsAndOptions))]
    public async Task Help_on_every_verb_exits_0_and_names_its_options(string[] verb, string[] options)
    {
        foreach (var help in new[] { "--help", "-h" })
        {
            var (code, stdout, stderr, calls) = await RunAsync([.. verb, help]);

            Assert.True(code == 0, stderr);
            Assert.Empty(calls);
            Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
            Assert.Contains($" {string.Join(' ', verb)} [".Replace("  [", " [", StringComparison.Ordinal), stdout, StringComparison.Ordinal);
            foreach (var option in options)
            {
                Assert.Contains(option, stdout, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("score")]
    [InlineData("demo-clip")]
    [InlineData("eval")]
    [InlineData("replay")]
    [InlineData("dataset synth")]
    public async Task Help_verb_shows_the_named_verbs_help(string verb)
    {
        var (code, stdout, stderr, calls) = await RunAsync(["help", .. verb.Split(' ')]);

        Assert.True(code == 0, stderr);
        Assert.Empty(calls);
        Assert.Contains($" {verb} [", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run --bogus")]
    [InlineData("--bogus")]
    [InlineData("check-config --bogus")]
    [InlineData("score a.png --bogus")]
    [InlineData("demo-clip --face a.png --bogus x")]
    [InlineData("dataset align src --bogus")]
    [InlineData("dataset synth --bogus x")]
    [InlineData("eval data --bogus")]
    [InlineData("replay --camera c --bogus")]
    public async Task An_unknown_option_exits_64_naming_it(string line)
    {
        var (code, _, stderr, calls) = await RunAsync(line.Split(' '));

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Empty(calls);
        Assert.Contains("'--bogus'", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run --config", "--config")]
    [InlineData("score a.png --baseline", "--baseline")]
    [InlineData("demo-clip --out x.mp4 --face", "--face")]
    [InlineData("dataset synth --out", "--out")]
    [InlineData("eval data --scorer", "--scorer")]
    [InlineData("replay --camera", "--camera")]
    public async Task A_missing_value_exits_64_naming_the_option(string line, string option)
    {
        var (code, _, stderr, calls) = await RunAsync(line.Split(' '));

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Empty(calls);
        Assert.Contains($"Required argument missing for option: '{option}'", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eval data --jsno", "--json")]
    [InlineData("eval --jsno data", "'--json'")]
    [InlineData("run --confg x", "--config")]
    [InlineData("scre a.png", "score")]
    public async Task A_typo_gets_a_suggestion_and_exits_64(string line, string suggestion)
    {
        var (code, stdout, stderr, calls) = await RunAsync(line.Split(' '));

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Empty(calls);
        Assert.Contains(suggestion, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_on_an_unknown_verb_exits_64()
    {
        var (code, _, stderr, calls) = await RunAsync(["help", "frobnicate"]);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Empty(calls);
        Assert.Contains("'frobnicate'", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "run", "")]
    [InlineData("--config a.json", "run", "--config a.json")]
    [InlineData("run --config=a.json", "run", "--config a.json")]
    [InlineData("check-config", "check-config", "")]
    [InlineData("check-config c.json", "check-config", "c.json")]
    [InlineData("score a.png --json --baseline n.png b.png", "score", "a.png b.png --json --baseline n.png")]
    [InlineData("dataset synth --face a.png --out o --face b.mp4 --seed=3", "dataset", "synth --face a.png --face b.mp4 --out o --seed 3")]
    [InlineData("dataset align src --out dst --workers 2", "dataset", "align src --out dst --workers 2")]
    [InlineData("eval data --json --scorer onnx:m", "eval", "data --json --scorer onnx:m")]
    [InlineData("replay --camera c --bed b --set OnThreshold=5 --set DwellSeconds=3", "replay", "--camera c --bed b --set OnThreshold=5 --set DwellSeconds=3")]
    [InlineData("demo-clip --face f.png --out o.mp4 --fps 5", "demo-clip", "--face f.png --out o.mp4 --fps 5")]
    public async Task A_verb_that_parses_gets_its_arguments_in_canonical_form(string line, string verb, string canonical)
    {
        var (code, _, stderr, calls) = await RunAsync(line.Length == 0 ? [] : line.Split(' '));

        Assert.True(code == 42, stderr);
        var call = Assert.Single(calls);
        Assert.Equal(verb, call.Verb);
        Assert.Equal(canonical, string.Join(' ', call.Arguments));
    }

    [Fact]
    public async Task A_verbs_exit_code_is_the_processs()
    {
        var root = CliParser.Build(Handlers([], _ => 65));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        Assert.Equal(65, await CliParser.InvokeAsync(root, ["score", "missing.png"], stdout, stderr));
    }

    private static async Task<(int Code, string Stdout, string Stderr, List<(string Verb, string[] Arguments)> Calls)> RunAsync(string[] args)
    {
        var calls = new List<(string, string[])>();
        var root = CliParser.Build(Handlers(calls, _ => 42));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliParser.InvokeAsync(root, args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString(), calls);
    }

    private static Dictionary<string, CliParser.VerbHandler> Handlers(List<(string, string[])> calls, Func<string, int> exit)
    {
        var handlers = new Dictionary<string, CliParser.VerbHandler>(StringComparer.Ordinal);
        foreach (var verb in new[] { "run", "check-config", "score", "demo-clip", "dataset", "eval", "replay" })
        {
            handlers[verb] = arguments =>
            {
                calls.Add((verb, arguments));
                return Task.FromResult(exit(verb));
            };
        }

        return handlers;
    }
}
