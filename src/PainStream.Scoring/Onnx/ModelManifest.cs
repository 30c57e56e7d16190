// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PainStream.Core.Alerting;

namespace PainStream.Scoring.Onnx;

/// <summary>
/// The manifest beside a learned model (<c>&lt;dir&gt;/&lt;name&gt;.manifest.json</c> next to <c>&lt;name&gt;.onnx</c>), as
/// <c>docs/model-contract.md</c> defines it and <c>docs/schemas/model-manifest.schema.json</c> describes it: checksum,
/// input tensor and normalisation, output kind, class scheme as PSPI ranges, calibration temperature, optional class
/// activation map outputs, training data and metrics.
/// </summary>
/// <remarks>Immutable once loaded; <see cref="Load(string, string)"/> validates it, so every property a scorer needs is present.</remarks>
public sealed record ModelManifest
{
    /// <summary>The manifest version this code reads.</summary>
    public const int CurrentSchema = 1;

    /// <summary>The task of a PSPI-class pain model, the one the ONNX pain scorer runs.</summary>
    public const string PainClassesTask = "pain-classes";

    /// <summary>The task of the seed-003 infant model: seven AU intensities → FLACC 0–10 (regression).</summary>
    public const string InfantFlaccTask = "infant-flacc";

    /// <summary>The infant model's architecture (the kit's 7→3→1 MLP).</summary>
    public const string InfantArchitecture = "infant-mlp";

    /// <summary>The infant model's inputs, in tensor order (docs/model-contract.md).</summary>
    public static readonly IReadOnlyList<string> InfantAus = ["AU27", "AU25", "AU10", "AU12", "AU9", "AU6", "AU20"];

    /// <summary>The FLACC levels of an infant model's <c>classes</c> (scheme <c>flacc4</c>), as score ranges.</summary>
    public static readonly (int Min, int Max)[] Flacc4 = [(0, 0), (1, 3), (4, 6), (7, 10)];

    /// <summary>The alignment every pain CNN's crop comes from: PainStream's <c>FaceAligner</c> at 112×112.</summary>
    public const string PainStream112Alignment = "painstream-112";

    /// <summary>The side of the aligned crop, in pixels.</summary>
    public const int CropSize = 112;


    /// <summary>The class schemes of DESIGN.md §4 as PSPI ranges, by name.</summary>
    public static readonly IReadOnlyDictionary<string, (int Min, int Max)[]> Schemes = new Dictionary<string, (int Min, int Max)[]>(StringComparer.Ordinal)
    {
        ["gla4"] = [(0, 0), (1, 1), (2, 2), (3, 16)],
        ["da5"] = [(0, 0), (1, 1), (2, 3), (4, 6), (7, 16)],
        ["res7"] = [(0, 0), (1, 2), (3, 4), (5, 6), (7, 9), (10, 12), (13, 16)],
    };

    /// <summary>Gets the manifest version (1).</summary>
    public int Schema { get; init; }

    /// <summary>Gets the model's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the model's version.</summary>
    public string Version { get; init; } = string.Empty;

    /// <summary>Gets the SHA-256 of the .onnx file, 64 lower-case hex digits.</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>Gets the architecture (e.g. <c>da-cnn</c>), informative.</summary>
    public string? Architecture { get; init; }

    /// <summary>Gets the task; the ONNX pain scorer runs <see cref="PainClassesTask"/>.</summary>
    public string Task { get; init; } = string.Empty;

    /// <summary>Gets the class scheme (<c>gla4</c>, <c>da5</c>, <c>res7</c>), or <see langword="null"/> for custom classes.</summary>
    public string? Scheme { get; init; }

    /// <summary>Gets the input tensor's description.</summary>
    public ManifestInput? Input { get; init; }

    /// <summary>Gets the classifier output's description.</summary>
    public ManifestOutput? Output { get; init; }

    /// <summary>Gets the class activation map outputs, or <see langword="null"/> when the model exports none.</summary>
    public ManifestCam? Cam { get; init; }

    /// <summary>Gets the classes in output order, each a PSPI range.</summary>
    public IReadOnlyList<ManifestClass>? Classes { get; init; }

    /// <summary>Gets the calibration temperature the logits are divided by (1 for probabilities).</summary>
    public double? Temperature { get; init; }

    /// <summary>Gets the training description (data, seed, splits…), kept as written.</summary>
    public JsonElement? Training { get; init; }

    /// <summary>Gets the test metrics (snake_case names), kept as written.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>Gets the manifest path of a model file: the same stem with <c>.manifest.json</c>.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <returns>The manifest's path.</returns>
    public static string PathFor(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        var directory = Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(modelPath) + ".manifest.json");
    }

    /// <summary>Reads and validates a manifest.</summary>
    /// <param name="path">The manifest file.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="ModelContractException">The file is missing, unreadable, malformed or breaks the contract; the message names the file and each field.</exception>
    public static ModelManifest Load(string path) => Load(path, PainClassesTask);

    /// <summary>Reads and validates a manifest of a given task.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="task">The task the caller runs: <see cref="PainClassesTask"/> or <see cref="InfantFlaccTask"/>.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="ModelContractException">The file is missing, unreadable, malformed or breaks the contract; the message names the file and each field.</exception>
    public static ModelManifest Load(string path, string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            throw new ModelContractException(path, ["the manifest is missing: every model needs <name>.manifest.json beside <name>.onnx (docs/model-contract.md)"]);
        }

        ModelManifest? manifest;
        try
        {
            using var stream = File.OpenRead(path);
            manifest = JsonSerializer.Deserialize(stream, ManifestJsonContext.Default.ModelManifest);
        }
        catch (JsonException ex)
        {
            throw new ModelContractException(path, [$"{JsonField(ex.Path)}: malformed JSON ({ex.Message})"], ex);
        }
        catch (IOException ex)
        {
            throw new ModelContractException(path, [$"the manifest cannot be read: {ex.Message}"], ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ModelContractException(path, [$"the manifest cannot be read: {ex.Message}"], ex);
        }

        if (manifest is null)
        {
            throw new ModelContractException(path, ["the manifest is JSON null, expected an object"]);
        }

        var problems = manifest.Validate(task);
        if (problems.Count > 0)
        {
            throw new ModelContractException(path, problems);
        }

        return manifest;
    }

    /// <summary>Parses a manifest from JSON text without validating it (tests, tools).</summary>
    /// <param name="json">The JSON.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="JsonException">The JSON is malformed.</exception>
    public static ModelManifest Parse(string json) =>
        JsonSerializer.Deserialize(json, ManifestJsonContext.Default.ModelManifest) ?? throw new JsonException("The manifest is JSON null.");

    /// <summary>Checks the manifest against the model contract (the graph is checked by <see cref="OnnxModel"/>).</summary>
    /// <returns>Each problem as <c>field: detail</c>; empty when the manifest is valid.</returns>
    public IReadOnlyList<string> Validate() => Validate(PainClassesTask);

    /// <summary>Checks the manifest against the model contract of <paramref name="task"/> (the graph is checked by the loader).</summary>
    /// <param name="task">The task the caller runs: <see cref="PainClassesTask"/> or <see cref="InfantFlaccTask"/>.</param>
    /// <returns>Each problem as <c>field: detail</c>; empty when the manifest is valid.</returns>
    public IReadOnlyList<string> Validate(string task)
    {
        if (string.Equals(task, InfantFlaccTask, StringComparison.Ordinal))
        {
            return ValidateInfant();
        }

        var problems = new List<string>();
        if (Schema != CurrentSchema)
        {
            problems.Add($"schema: {Schema}, this PainStream reads manifest schema {CurrentSchema}");
        }

        Require(problems, "name", Name);
        Require(problems, "version", Version);
        if (Sha256.Length != 64 || !Sha256.All(static c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            problems.Add("sha256: expected 64 lower-case hex digits (the SHA-256 of the .onnx file)");
        }

        if (!string.Equals(Task, PainClassesTask, StringComparison.Ordinal))
        {
            problems.Add(string.IsNullOrEmpty(Task)
                ? $"task: missing, expected '{PainClassesTask}'"
                : $"task: '{Task}' is not scored by the ONNX pain scorer, which runs '{PainClassesTask}' models");
        }

        ValidateInput(problems);
        ValidateOutput(problems);
        if (Cam is { } cam)
        {
            Require(problems, "cam.features", cam.Features);
            Require(problems, "cam.weights", cam.Weights);
        }

        ValidateClasses(problems);
        return problems;
    }

    /// <summary>Gets the PSPI value of class <paramref name="index"/>: its <c>value</c>, or the midpoint of its range.</summary>
    /// <param name="index">The class index.</param>
    /// <returns>The value.</returns>
    public double ClassValue(int index)
    {
        var c = Classes![index];
        return c.Value ?? ((c.PspiMin + c.PspiMax) / 2);
    }

    private List<string> ValidateCommon()
    {
        var problems = new List<string>();
        if (Schema != CurrentSchema)
        {
            problems.Add($"schema: {Schema}, this PainStream reads manifest schema {CurrentSchema}");
        }

        Require(problems, "name", Name);
        Require(problems, "version", Version);
        if (Sha256.Length != 64 || !Sha256.All(static c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            problems.Add("sha256: expected 64 lower-case hex digits (the SHA-256 of the .onnx file)");
        }

        return problems;
    }

    private List<string> ValidateInfant()
    {
        var problems = ValidateCommon();
        if (!string.Equals(Task, InfantFlaccTask, StringComparison.Ordinal))
        {
            problems.Add(string.IsNullOrEmpty(Task)
                ? $"task: missing, expected '{InfantFlaccTask}'"
                : $"task: '{Task}' is not an infant model; Scoring:InfantModel needs a '{InfantFlaccTask}' model");
        }

        if (!string.Equals(Architecture, InfantArchitecture, StringComparison.Ordinal))
        {
            problems.Add($"architecture: '{Architecture}', expected '{InfantArchitecture}' (the seed-003 7→3→1 MLP)");
        }

        if (Input is not { } input)
        {
            problems.Add("input: missing");
        }
        else
        {
            Require(problems, "input.name", input.Name);
            if (!string.Equals(input.Layout, "NC", StringComparison.Ordinal))
            {
                problems.Add($"input.layout: '{input.Layout}', the infant scorer feeds 'NC' tensors [batch, {InfantAus.Count}]");
            }

            if (input.Channels != InfantAus.Count)
            {
                problems.Add($"input.channels: {input.Channels}, expected {InfantAus.Count} (one per AU)");
            }

            if (input.Aus is not { } aus || !aus.SequenceEqual(InfantAus, StringComparer.Ordinal))
            {
                problems.Add($"input.aus: [{string.Join(",", input.Aus ?? [])}], expected [{string.Join(",", InfantAus)}] in this order (the scorer feeds them so)");
            }
        }

        if (Output is not { } output)
        {
            problems.Add("output: missing");
        }
        else
        {
            Require(problems, "output.name", output.Name);
            if (!string.Equals(output.Kind, "regression", StringComparison.Ordinal))
            {
                problems.Add($"output.kind: '{output.Kind}', an infant model outputs 'regression' (FLACC 0–10)");
            }

            if ((output.Min is { } min && min != 0) || (output.Max is { } max && max != 10))
            {
                problems.Add($"output.min/max: {Num(output.Min ?? 0)}–{Num(output.Max ?? 10)}, expected FLACC 0–10");
            }
        }

        if (Temperature is { } t && t != 1)
        {
            problems.Add($"temperature: {Num(t)}, must be 1 for a regression output");
        }

        if (Classes is not { } classes || classes.Count != Flacc4.Length
            || !classes.Select((c, i) => c is not null && c.PspiMin == Flacc4[i].Min && c.PspiMax == Flacc4[i].Max).All(static ok => ok))
        {
            problems.Add("classes: expected the FLACC levels 0 | 1–3 | 4–6 | 7–10 (pspiMin/pspiMax 0–0, 1–3, 4–6, 7–10)");
        }

        return problems;
    }

    private static void Require(List<string> problems, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{field}: missing");
        }
    }

    private static string JsonField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "(root)" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private void ValidateInput(List<string> problems)
    {
        if (Input is not { } input)
        {
            problems.Add("input: missing");
            return;
        }

        Require(problems, "input.name", input.Name);
        if (!string.Equals(input.Layout, "NCHW", StringComparison.Ordinal))
        {
            problems.Add($"input.layout: '{input.Layout}', the pain scorer feeds 'NCHW' tensors");
        }

        if (!string.Equals(input.Alignment, PainStream112Alignment, StringComparison.Ordinal))
        {
            problems.Add($"input.alignment: '{input.Alignment}', expected '{PainStream112Alignment}' (crops from PainStream's FaceAligner)");
        }

        if (input.Height != CropSize || input.Width != CropSize)
        {
            problems.Add($"input.height/width: {input.Height}×{input.Width}, expected {CropSize}×{CropSize} ({PainStream112Alignment} crops)");
        }

        if (input.Channels != 3)
        {
            problems.Add($"input.channels: {input.Channels}, expected 3 (a colour crop)");
        }

        if (input.ColorOrder is not ("RGB" or "BGR"))
        {
            problems.Add($"input.colorOrder: '{input.ColorOrder}', expected 'RGB' or 'BGR'");
        }

        if (!(input.Scale > 0) || !double.IsFinite(input.Scale))
        {
            problems.Add($"input.scale: {input.Scale.ToString(CultureInfo.InvariantCulture)}, expected a positive number (255 for pixels in 0–1)");
        }

        if (input.Mean is not { Count: 3 } mean || !mean.All(double.IsFinite))
        {
            problems.Add("input.mean: expected 3 finite numbers, one per channel");
        }

        if (input.Std is not { Count: 3 } std || !std.All(static s => s > 0 && double.IsFinite(s)))
        {
            problems.Add("input.std: expected 3 positive numbers, one per channel");
        }
    }

    private void ValidateOutput(List<string> problems)
    {
        if (Output is not { } output)
        {
            problems.Add("output: missing");
        }
        else
        {
            Require(problems, "output.name", output.Name);
            if (output.Kind is not ("logits" or "probabilities"))
            {
                problems.Add($"output.kind: '{output.Kind}', a pain-classes model outputs 'logits' or 'probabilities'");
            }
        }

        if (Temperature is not { } t)
        {
            problems.Add("temperature: missing (1.0 when the model is not calibrated)");
        }
        else if (!(t > 0) || !double.IsFinite(t))
        {
            problems.Add($"temperature: {t.ToString(CultureInfo.InvariantCulture)}, expected a positive number");
        }
        else if (Output?.Kind == "probabilities" && t != 1)
        {
            problems.Add($"temperature: {t.ToString(CultureInfo.InvariantCulture)}, but output.kind is 'probabilities' (used as is): it must be 1");
        }
    }

    private void ValidateClasses(List<string> problems)
    {
        if (Classes is not { Count: >= 2 } classes)
        {
            problems.Add($"classes: {Classes?.Count ?? 0} given, expected at least 2");
            return;
        }

        for (var i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            var field = $"classes[{i}]";
            if (c is null)
            {
                problems.Add($"{field}: null");
                continue;
            }

            if (!(c.PspiMin >= 0) || !(c.PspiMax <= ScoreScales.MaxPspi) || !(c.PspiMin <= c.PspiMax))
            {
                problems.Add($"{field}: PSPI range {Num(c.PspiMin)}–{Num(c.PspiMax)}, expected 0 ≤ pspiMin ≤ pspiMax ≤ {Num(ScoreScales.MaxPspi)}");
            }
            else if (c.Value is { } v && !(v >= c.PspiMin && v <= c.PspiMax))
            {
                problems.Add($"{field}.value: {Num(v)} lies outside the class range {Num(c.PspiMin)}–{Num(c.PspiMax)}");
            }

            if (i > 0 && classes[i - 1] is { } previous && !(c.PspiMin > previous.PspiMax))
            {
                problems.Add($"{field}: PSPI range {Num(c.PspiMin)}–{Num(c.PspiMax)} does not follow class {i - 1} ({Num(previous.PspiMin)}–{Num(previous.PspiMax)}); classes go up in PSPI order without overlap");
            }
        }

        if (Scheme is null)
        {
            return;
        }

        if (!Schemes.TryGetValue(Scheme, out var scheme))
        {
            problems.Add($"scheme: '{Scheme}' is not a known scheme ({string.Join(", ", Schemes.Keys)}); leave it out for custom classes");
            return;
        }

        if (scheme.Length != classes.Count)
        {
            problems.Add($"classes: {classes.Count} classes, scheme '{Scheme}' has {scheme.Length}");
            return;
        }

        for (var i = 0; i < scheme.Length; i++)
        {
            if (classes[i] is { } c && (c.PspiMin != scheme[i].Min || c.PspiMax != scheme[i].Max))
            {
                problems.Add($"classes[{i}]: PSPI {Num(c.PspiMin)}–{Num(c.PspiMax)}, scheme '{Scheme}' says {scheme[i].Min}–{scheme[i].Max}");
            }
        }
    }

    private static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The input tensor of a learned model (<c>input</c> in the manifest).</summary>
public sealed record ManifestInput
{
    /// <summary>Gets the graph input's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the layout (<c>NCHW</c>).</summary>
    public string Layout { get; init; } = string.Empty;

    /// <summary>Gets the height in pixels (112).</summary>
    public int Height { get; init; }

    /// <summary>Gets the width in pixels (112).</summary>
    public int Width { get; init; }

    /// <summary>Gets the number of channels (3).</summary>
    public int Channels { get; init; }

    /// <summary>Gets the channel order of the tensor, <c>RGB</c> or <c>BGR</c> (the crop's bytes are BGR).</summary>
    public string ColorOrder { get; init; } = string.Empty;

    /// <summary>Gets the pixel scale: tensor = (pixel / scale − mean) / std.</summary>
    public double Scale { get; init; }

    /// <summary>Gets the per-channel mean, in tensor channel order.</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Gets the per-channel standard deviation, in tensor channel order.</summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>Gets the alignment the crops come from (<c>painstream-112</c>).</summary>
    public string Alignment { get; init; } = string.Empty;

    /// <summary>Gets an infant model's action units in tensor order (<c>AU27, AU25, AU10, AU12, AU9, AU6, AU20</c>).</summary>
    public IReadOnlyList<string>? Aus { get; init; }

    /// <summary>Gets an infant model's AU engagement weights (informative: the graph multiplies by them itself).</summary>
    public IReadOnlyList<double>? Engagement { get; init; }
}

/// <summary>The classifier output (<c>output</c> in the manifest).</summary>
public sealed record ManifestOutput
{
    /// <summary>Gets the graph output's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the kind: <c>logits</c> (softmax of logits / temperature), <c>probabilities</c> (used as is), or <c>regression</c> (infant models).</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>Gets a regression output's lowest value (0 for FLACC), or <see langword="null"/>.</summary>
    public double? Min { get; init; }

    /// <summary>Gets a regression output's highest value (10 for FLACC), or <see langword="null"/>.</summary>
    public double? Max { get; init; }
}

/// <summary>The class activation map outputs (<c>cam</c> in the manifest).</summary>
public sealed record ManifestCam
{
    /// <summary>Gets the name of the last conv feature map output [N,C,h,w].</summary>
    public string Features { get; init; } = string.Empty;

    /// <summary>Gets the name of the classifier weight output [K,C].</summary>
    public string Weights { get; init; } = string.Empty;
}

/// <summary>One class: a PSPI range and optionally the value it stands for.</summary>
public sealed record ManifestClass
{
    /// <summary>Gets the label.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the lowest PSPI of the class.</summary>
    public double PspiMin { get; init; }

    /// <summary>Gets the highest PSPI of the class.</summary>
    public double PspiMax { get; init; }

    /// <summary>Gets the PSPI the class stands for in the expected score, or <see langword="null"/> for the range midpoint.</summary>
    public double? Value { get; init; }
}

/// <summary>Source-generated JSON of the manifest (camelCase keys; unknown keys are skipped so newer kits stay readable).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
