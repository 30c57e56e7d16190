// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.OnnxRuntime;
using PainStream.Inference.Onnx;

namespace PainStream.Scoring.Onnx;

/// <summary>
/// The seed-003 infant model (<c>task: infant-flacc</c>): seven AU intensities [batch,7] in the order AU27, AU25, AU10, AU12,
/// AU9, AU6, AU20 → a FLACC estimate [batch,1] in 0–10, trained and exported by the kit (<c>training/infant.py</c>). Owns its
/// <see cref="InferenceSession"/>.
/// </summary>
/// <remarks>
/// <para>At load, as for the pain CNNs (<see cref="OnnxModel"/>): the manifest is validated for the infant task (7 inputs in
/// the contract's order, regression output, FLACC levels), the file's SHA-256 must equal the manifest's, and the graph must
/// agree (one float input of rank 2 with a dynamic batch axis and 7 columns, the named float output of rank 2), checked by a
/// probe run of two zero rows that must give [2,1] finite values in 0–10. Every mismatch names the file and the field.</para>
/// <para>Thread-safe after load (ONNX Runtime's <c>Run</c> may be called concurrently). The model is tiny (7→3→1): each
/// patient's frame runs it alone, no batching.</para>
/// </remarks>
public sealed class InfantFlaccModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private int _disposed;

    private InfantFlaccModel(string modelPath, string manifestPath, ModelManifest manifest, InferenceSession session, string executionProvider)
    {
        ModelPath = modelPath;
        ManifestPath = manifestPath;
        Manifest = manifest;
        _session = session;
        ExecutionProvider = executionProvider;
        _inputNames = [manifest.Input!.Name];
        _outputNames = [manifest.Output!.Name];
    }

    /// <summary>Gets the .onnx file's full path.</summary>
    public string ModelPath { get; }

    /// <summary>Gets the manifest's full path.</summary>
    public string ManifestPath { get; }

    /// <summary>Gets the validated manifest.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>Gets the execution provider the session runs on.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Gets the model's name (the manifest's).</summary>
    public string Name => Manifest.Name;

    /// <summary>Loads an infant model and its manifest and checks them against each other.</summary>
    /// <param name="modelPath">The .onnx file; the manifest is <see cref="ModelManifest.PathFor"/> it.</param>
    /// <param name="createSession">Creates the session, or <see langword="null"/> for a CPU session.</param>
    /// <returns>The model; the caller owns it.</returns>
    /// <exception cref="ModelContractException">Missing or corrupt file, bad manifest, or a graph that disagrees with it; the message names the file and each field.</exception>
    public static InfantFlaccModel Load(string modelPath, OnnxSessionCreator? createSession = null)
    {
        var (fullPath, manifestPath, manifest, session, provider) = OnnxModel.OpenVerified(modelPath, ModelManifest.InfantFlaccTask, createSession);
        modelPath = fullPath;
        var model = new InfantFlaccModel(modelPath, manifestPath, manifest, session, provider);
        try
        {
            model.CheckGraph();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model on one face's intensities.</summary>
    /// <param name="aus">The seven intensities in the model's order (<see cref="InfantAus.CopyTo"/>).</param>
    /// <returns>The FLACC estimate, 0–10.</returns>
    /// <exception cref="ArgumentException">Not seven values.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public float Predict(ReadOnlySpan<float> aus)
    {
        if (aus.Length != InfantAus.Count)
        {
            throw new ArgumentException($"Need {InfantAus.Count} AU intensities, got {aus.Length}.", nameof(aus));
        }

        Span<float> result = stackalloc float[1];
        Predict(aus, 1, result);
        return result[0];
    }

    /// <summary>Runs the model on <paramref name="rows"/> faces at once (tests, evaluation).</summary>
    /// <param name="aus">rows × 7 intensities, row-major.</param>
    /// <param name="rows">The number of faces.</param>
    /// <param name="flacc">Receives one FLACC estimate per row.</param>
    /// <exception cref="ArgumentException">The spans do not match <paramref name="rows"/>.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public void Predict(ReadOnlySpan<float> aus, int rows, Span<float> flacc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (aus.Length != rows * InfantAus.Count || flacc.Length < rows)
        {
            throw new ArgumentException($"Need {rows}×{InfantAus.Count} intensities and {rows} outputs.", nameof(aus));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // A 7-float copy per call: OrtValue pins managed memory, and the caller's span may live on the stack.
        var input = aus.ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, [rows, InfantAus.Count]);
        using var options = new RunOptions();
        using var results = _session.Run(options, _inputNames, [value], _outputNames);
        var output = results[0].GetTensorDataAsSpan<float>();
        output[..rows].CopyTo(flacc);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _session.Dispose();
        }
    }

    private static string Dims(IReadOnlyList<int> d) => "[" + string.Join(",", d) + "]";

    private void CheckGraph()
    {
        var problems = new List<string>();
        var input = Manifest.Input!;
        var output = Manifest.Output!;
        if (OnnxModel.CheckInput(_session, input.Name, rank: 2, "NC", problems) is { } d && d[1] > 0 && d[1] != InfantAus.Count)
        {
            problems.Add($"input.channels: the graph's input is {Dims(d)}, expected [batch,{InfantAus.Count}] (one column per AU)");
        }

        if (!_session.OutputMetadata.TryGetValue(output.Name, out var outputMeta))
        {
            problems.Add($"output.name: '{output.Name}' is not an output of the graph (outputs: {string.Join(", ", _session.OutputMetadata.Keys)})");
        }
        else if (!outputMeta.IsTensor || outputMeta.ElementDataType != TensorElementType.Float || outputMeta.Dimensions.Length != 2)
        {
            problems.Add($"output.name: '{output.Name}' is {outputMeta.ElementDataType} {Dims(outputMeta.Dimensions)}, expected a float tensor [batch,1]");
        }

        if (problems.Count == 0)
        {
            Probe(problems);
        }

        if (problems.Count > 0)
        {
            throw new ModelContractException(ModelPath, problems);
        }
    }

    private void Probe(List<string> problems)
    {
        const int Batch = 2;
        var zeros = new float[Batch * InfantAus.Count];
        using var value = OrtValue.CreateTensorValueFromMemory(zeros, [Batch, InfantAus.Count]);
        using var options = new RunOptions();
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = _session.Run(options, _inputNames, [value], _outputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            problems.Add($"input.name: a probe batch of {Batch} zero rows [{Batch},{InfantAus.Count}] fails in ONNX Runtime: {ex.Message}");
            return;
        }

        using (results)
        {
            var shape = results[0].GetTensorTypeAndShape().Shape;
            if (shape.Length != 2 || shape[0] != Batch || shape[1] != 1)
            {
                problems.Add($"output.name: '{_outputNames[0]}' is [{string.Join(",", shape)}] for a batch of {Batch}, expected [{Batch},1]");
                return;
            }

            foreach (var v in results[0].GetTensorDataAsSpan<float>())
            {
                if (!(v >= 0 && v <= 10))
                {
                    problems.Add($"output.kind: a probe output is {v}, outside FLACC 0–10 (the kit's export clamps it)");
                    break;
                }
            }
        }
    }
}
