// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Infant;

/// <summary>
/// A real infant model trained and exported by the training kit (<c>make_infant_aus</c> + <c>train_infant</c>, as
/// <c>python -m training synthetic-aus</c> and <c>train-infant</c> do; about five seconds) into a temporary directory once per
/// test class, and the kit's own PyTorch forward pass as the reference for the C# scorer. Needs Debian's python3 with
/// python3-torch and python3-onnx (scripts/setup); it fails rather than skips.
/// </summary>
public sealed class InfantKit : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("painstream-infant-");

    /// <summary>Gets the trained model's .onnx path (its manifest beside it).</summary>
    public string ModelPath => _directory.File("infant-test.onnx");

    /// <summary>Gets the directory the model lies in (tests copy it to break it).</summary>
    public string Directory => _directory.Path;

    private string StatePath => _directory.File("infant-test.state.pt");

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        using var json = await PythonSklearn.RunJsonAsync(TrainScript, [TestPaths.RepoRoot, _directory.File("aus.csv"), _directory.File("infant-test")]);
        Assert.Equal("infant-flacc", json.RootElement.GetProperty("task").GetString());
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs the kit's PyTorch model (the one it exported, captured at export) on rows of seven intensities.</summary>
    /// <param name="rows">Rows in the model's AU order.</param>
    /// <returns>The FLACC estimate of each row, as the exported graph computes it (clamped to 0–10).</returns>
    public async Task<double[]> TorchPredictAsync(float[][] rows)
    {
        var input = _directory.File($"rows-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(rows));
        using var json = await PythonSklearn.RunJsonAsync(PredictScript, [TestPaths.RepoRoot, StatePath, input]);
        return [.. json.RootElement.EnumerateArray().Select(e => e.GetDouble())];
    }

    // The kit's commands, run in-process so the trained torch module can be saved for the reference forward pass.
    private const string TrainScript = """
        import json, sys, contextlib, io
        sys.path.insert(0, sys.argv[1])
        import torch
        from training import infant, synthetic
        csv, out = sys.argv[2], sys.argv[3]
        captured = {}
        original = infant.export_infant_model
        def capture(model, path, *a, **k):
            captured["model"] = model
            return original(model, path, *a, **k)
        infant.export_infant_model = capture
        with contextlib.redirect_stdout(io.StringIO()):
            synthetic.make_infant_aus(csv)
            manifest = infant.train_infant(csv, out, data_description="synthetic AU intensities (tests); not clinically validated")
        torch.save(captured["model"].state_dict(), out + ".state.pt")
        print(json.dumps({"task": manifest["task"]}))
        """;

    private const string PredictScript = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import torch
        from training.models import InfantMLP, InfantExport
        model = InfantMLP()
        model.load_state_dict(torch.load(sys.argv[2]))
        rows = torch.tensor(json.load(open(sys.argv[3])), dtype=torch.float32)
        with torch.no_grad():
            out = InfantExport(model).eval()(rows).squeeze(1)
        print(json.dumps([float(v) for v in out]))
        """;
}
