// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PainStream.Inference.Onnx;

namespace PainStream.Scoring.Onnx;

/// <summary>
/// A learned pain model: the ONNX graph and its manifest, checked against each other at load. Owns the
/// <see cref="InferenceSession"/> (one per model, shared by every camera that uses it).
/// </summary>
/// <remarks>
/// <para>At load: the manifest is validated, the file's SHA-256 must equal the manifest's (a truncated or corrupt file fails
/// with both hashes), and the graph must agree with the manifest: input name, element type, rank, channels and size, a dynamic
/// batch axis, the output names, the class count against the output width, and the CAM outputs' shapes. A probe run with a
/// batch of two zero crops checks what the metadata cannot (dynamic dimensions, probabilities that sum to 1) and reads the
/// constant CAM weights once. Every mismatch names the file and the manifest field.</para>
/// <para>Thread-safe after load: <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>
/// may be called concurrently; the batch scorer calls it from one loop.</para>
/// </remarks>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private int _disposed;

    private OnnxModel(string modelPath, string manifestPath, ModelManifest manifest, InferenceSession session, string executionProvider)
    {
        ModelPath = modelPath;
        ManifestPath = manifestPath;
        Manifest = manifest;
        _session = session;
        ExecutionProvider = executionProvider;
        ClassCount = manifest.Classes!.Count;
        var values = new float[ClassCount];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = (float)manifest.ClassValue(k);
        }

        ClassValues = values;
        InputName = manifest.Input!.Name;
        OutputName = manifest.Output!.Name;
        IsProbabilities = manifest.Output.Kind == "probabilities";
        Temperature = (float)manifest.Temperature!.Value;
    }

    /// <summary>Gets the .onnx file's full path.</summary>
    public string ModelPath { get; }

    /// <summary>Gets the manifest's full path.</summary>
    public string ManifestPath { get; }

    /// <summary>Gets the validated manifest.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>Gets the execution provider the session runs on.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Gets the number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Gets each class's PSPI value (manifest <c>value</c> or range midpoint).</summary>
    public ReadOnlySpan<float> ClassValuesSpan => ClassValues;

    /// <summary>Gets the number of floats of one face's input tensor (C·H·W).</summary>
    public static int InputLength => 3 * ModelManifest.CropSize * ModelManifest.CropSize;

    /// <summary>Gets a value indicating whether the model has class activation map outputs.</summary>
    public bool HasCam => CamWeights is not null;

    /// <summary>Gets the feature map's channels, height and width (zeros without CAM outputs).</summary>
    public (int Channels, int Height, int Width) FeatureShape { get; private set; }

    internal float[] ClassValues { get; }

    internal string InputName { get; }

    internal string OutputName { get; }

    internal bool IsProbabilities { get; }

    internal float Temperature { get; }

    /// <summary>Gets the classifier weights [K,C] read once at load, or <see langword="null"/> without CAM outputs.</summary>
    internal float[]? CamWeights { get; private set; }

    internal InferenceSession Session
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _session;
        }
    }

    /// <summary>Loads a model and its manifest and checks them against each other.</summary>
    /// <param name="modelPath">The .onnx file; the manifest is <see cref="ModelManifest.PathFor"/> it.</param>
    /// <param name="createSession">Creates the session (execution provider choice), or <see langword="null"/> for a CPU session.</param>
    /// <returns>The model; the caller owns it.</returns>
    /// <exception cref="ModelContractException">Missing or corrupt file, bad manifest, or a graph that disagrees with it; the message names the file and each field.</exception>
    public static OnnxModel Load(string modelPath, OnnxSessionCreator? createSession = null)
    {
        var (fullPath, manifestPath, manifest, session, provider) = OpenVerified(modelPath, ModelManifest.PainClassesTask, createSession);
        modelPath = fullPath;
        var model = new OnnxModel(modelPath, manifestPath, manifest, session, provider);
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

    /// <summary>
    /// The load steps every model kind shares: the file must exist, its manifest (<see cref="ModelManifest.PathFor"/>) be
    /// valid for <paramref name="task"/>, the file's SHA-256 equal the manifest's, and ONNX Runtime open it.
    /// </summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="task">The manifest task the caller loads.</param>
    /// <param name="createSession">Creates the session, or <see langword="null"/> for a CPU session.</param>
    /// <returns>The full paths, the manifest, the session (the caller owns it) and its execution provider.</returns>
    /// <exception cref="ModelContractException">Any step failed; the message names the file and the field.</exception>
    internal static (string ModelPath, string ManifestPath, ModelManifest Manifest, InferenceSession Session, string Provider) OpenVerified(
        string modelPath, string task, OnnxSessionCreator? createSession)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        modelPath = Path.GetFullPath(modelPath);
        var manifestPath = ModelManifest.PathFor(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new ModelContractException(modelPath, ["the model file is missing"]);
        }

        var manifest = ModelManifest.Load(manifestPath, task);
        var actual = ModelFile.ComputeSha256(modelPath);
        if (!string.Equals(actual, manifest.Sha256, StringComparison.Ordinal))
        {
            throw new ModelContractException(
                modelPath,
                [$"sha256: expected {manifest.Sha256} (from {manifestPath}), actual {actual}: the file is truncated or corrupt, or the manifest belongs to another file"]);
        }

        try
        {
            var session = (createSession ?? OnnxSessionFactory.CreateCpuSession)(modelPath, out var provider);
            return (modelPath, manifestPath, manifest, session, provider);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelContractException(modelPath, [$"ONNX Runtime cannot load it: {ex.Message}"], ex);
        }
        catch (ModelFileException ex) when (createSession is null && ex.InnerException is OnnxRuntimeException ort)
        {
            // The default CPU session reports a graph ONNX Runtime rejects as a contract problem, as it always has.
            throw new ModelContractException(modelPath, [$"ONNX Runtime cannot load it: {ort.Message}"], ex);
        }
    }

    /// <summary>
    /// Checks the graph's one input against the manifest's: a single input of that name, a float tensor of
    /// <paramref name="rank"/> with a dynamic batch axis. Problems go to <paramref name="problems"/>, named by manifest field.
    /// </summary>
    /// <param name="session">The session.</param>
    /// <param name="name">The manifest's input name.</param>
    /// <param name="rank">The rank the layout needs.</param>
    /// <param name="layout">The layout's name for messages (<c>NCHW</c>, <c>NC</c>).</param>
    /// <param name="problems">Receives the problems.</param>
    /// <returns>The input's dimensions when the rank is right (for the caller's own checks of the other axes), else <see langword="null"/>.</returns>
    internal static int[]? CheckInput(InferenceSession session, string name, int rank, string layout, List<string> problems)
    {
        if (session.InputMetadata.Count != 1)
        {
            problems.Add($"input.name: the graph has {session.InputMetadata.Count} inputs ({string.Join(", ", session.InputMetadata.Keys)}); the contract has one");
        }

        if (!session.InputMetadata.TryGetValue(name, out var meta))
        {
            problems.Add($"input.name: '{name}' is not an input of the graph (inputs: {string.Join(", ", session.InputMetadata.Keys)})");
            return null;
        }

        var d = meta.Dimensions;
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
        {
            problems.Add($"input.name: '{name}' is {meta.ElementDataType}, expected a float tensor");
        }

        if (d.Length != rank)
        {
            problems.Add($"input.layout: '{name}' has rank {d.Length} {Dims(d)}, {layout} needs rank {rank}");
            return null;
        }

        if (d[0] > 0)
        {
            problems.Add($"input.name: '{name}' has a fixed batch dimension {d[0]}; the contract needs a dynamic batch axis (dim 0)");
        }

        return d;
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

    private static string Dims(IReadOnlyList<long> d) => "[" + string.Join(",", d) + "]";

    private void CheckGraph()
    {
        var manifest = Manifest;
        var problems = new List<string>();
        var input = manifest.Input!;
        if (CheckInput(_session, input.Name, rank: 4, "NCHW", problems) is { } d)
        {
            if (d[1] > 0 && d[1] != input.Channels)
            {
                problems.Add($"input.channels: {input.Channels}, the graph's input has {d[1]} {Dims(d)}");
            }

            if ((d[2] > 0 && d[2] != input.Height) || (d[3] > 0 && d[3] != input.Width))
            {
                problems.Add($"input.height/width: {input.Height}×{input.Width}, the graph's input is {Dims(d)} (NCHW)");
            }
        }

        CheckOutput(problems, "output.name", manifest.Output!.Name, rank: 2);
        if (manifest.Cam is { } cam)
        {
            CheckOutput(problems, "cam.features", cam.Features, rank: 4);
            CheckOutput(problems, "cam.weights", cam.Weights, rank: 2, batched: false);
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

    private void CheckOutput(List<string> problems, string field, string name, int rank, bool batched = true)
    {
        if (!_session.OutputMetadata.TryGetValue(name, out var meta))
        {
            problems.Add($"{field}: '{name}' is not an output of the graph (outputs: {string.Join(", ", _session.OutputMetadata.Keys)})");
            return;
        }

        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
        {
            problems.Add($"{field}: '{name}' is {meta.ElementDataType}, expected a float tensor");
        }

        if (meta.Dimensions.Length != rank)
        {
            problems.Add($"{field}: '{name}' has rank {meta.Dimensions.Length} {Dims(meta.Dimensions)}, expected {rank}");
        }
        else if (batched && meta.Dimensions[0] > 0)
        {
            problems.Add($"{field}: '{name}' has a fixed batch dimension {meta.Dimensions[0]}; the contract needs a dynamic batch axis (dim 0)");
        }
    }

    /// <summary>Runs a batch of two zero crops: checks the actual output shapes and reads the CAM weights.</summary>
    private void Probe(List<string> problems)
    {
        const int Batch = 2;
        var manifest = Manifest;
        var k = ClassCount;
        var names = new List<string> { OutputName };
        if (manifest.Cam is { } cam)
        {
            names.Add(cam.Features);
            names.Add(cam.Weights);
        }

        var zeros = new float[Batch * InputLength];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(zeros, [Batch, 3, ModelManifest.CropSize, ModelManifest.CropSize]);
        using var options = new RunOptions();
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = _session.Run(options, [InputName], [inputValue], names);
        }
        catch (OnnxRuntimeException ex)
        {
            problems.Add($"input.name: a probe batch of {Batch} zero crops [{Batch},3,{ModelManifest.CropSize},{ModelManifest.CropSize}] fails in ONNX Runtime: {ex.Message}");
            return;
        }

        using (results)
        {
            var output = results[0];
            var shape = output.GetTensorTypeAndShape().Shape;
            if (shape.Length != 2 || shape[0] != Batch || shape[1] != k)
            {
                problems.Add($"classes: {k} classes, but output '{OutputName}' is {Dims(shape)} for a batch of {Batch} (expected [{Batch},{k}])");
            }
            else if (IsProbabilities)
            {
                var p = output.GetTensorDataAsSpan<float>();
                for (var row = 0; row < Batch; row++)
                {
                    var sum = 0f;
                    foreach (var v in p.Slice(row * k, k))
                    {
                        sum += v;
                    }

                    if (MathF.Abs(sum - 1) > 1e-3f)
                    {
                        problems.Add($"output.kind: 'probabilities', but a row of '{OutputName}' sums to {sum} (logits need kind 'logits')");
                        break;
                    }
                }
            }

            if (manifest.Cam is { } c)
            {
                var features = results[1].GetTensorTypeAndShape().Shape;
                var weights = results[2].GetTensorTypeAndShape().Shape;
                if (features.Length != 4 || features[0] != Batch || features[1] <= 0 || features[2] <= 0 || features[3] <= 0)
                {
                    problems.Add($"cam.features: '{c.Features}' is {Dims(features)} for a batch of {Batch}, expected [{Batch},C,h,w]");
                }
                else if (weights.Length != 2 || weights[0] != k || weights[1] != features[1])
                {
                    problems.Add($"cam.weights: '{c.Weights}' is {Dims(weights)}, expected [{k},{features[1]}] (classes × feature channels)");
                }
                else
                {
                    FeatureShape = ((int)features[1], (int)features[2], (int)features[3]);
                    CamWeights = results[2].GetTensorDataAsSpan<float>().ToArray();
                }
            }
        }
    }
}
