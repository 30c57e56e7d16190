// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Running;
using PainStream.Benchmarks;

// Usage: PainStream.Benchmarks [--preset short|analysis|default|dry] [BenchmarkDotNet options, e.g. --filter '*Frame*']
// The preset is ours; everything else goes to BenchmarkSwitcher unchanged.
var preset = "default";
var rest = new List<string>(args.Length);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--preset" && i + 1 < args.Length)
    {
        preset = args[++i];
    }
    else
    {
        rest.Add(args[i]);
    }
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Config).Assembly).Run([.. rest], Config.For(preset));
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
