// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using PainStream.Tools.Evaluation;
using PainStream.Testing;

namespace PainStream.Tools.Tests;

/// <summary>
/// Every seed architecture of the training kit (training/), trained for a few steps on a synthetic face dataset made by
/// <c>painstream dataset synth</c>, exported by the kit, loaded and run by the C# scorer: the manifest and graph pass the
/// scorer's checks, the C# probabilities equal PyTorch's on the same aligned faces (the kit's NAME.parity.json), and a batch
/// gives what one face at a time gives.
/// </summary>
public sealed class KitModelTests(KitModelsFixture kit) : IClassFixture<KitModelsFixture>
{
    public static TheoryData<string> Architectures => [.. KitModelsFixture.Architectures];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void KitExport_LoadsInTheScorer_WithItsSchemeAndCamOutputs(string arch)
    {
        var path = kit.ModelPath(arch);

        using var scorer = OnnxCropScorer.Load(path);

        var manifest = scorer.Model.Manifest;
        Assert.Equal(arch, manifest.Architecture);
        Assert.Equal(KitModelsFixture.SchemeOf(arch), scorer.Scheme.Name);
        Assert.True(scorer.Model.HasCam, $"{arch}: every kit architecture ends in global average pooling + linear, so it exports CAM outputs");
        Assert.Contains("not clinically validated", manifest.Training!.Value.GetProperty("data").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void KitExport_CSharpProbabilitiesEqualPyTorchs_OnTheSameAlignedFaces(string arch)
    {
        using var parity = JsonDocument.Parse(File.ReadAllText(kit.ParityPath(arch)));
        var items = parity.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.True(items.Count >= 4, $"{arch}: the kit wrote {items.Count} parity items");
        using var scorer = OnnxCropScorer.Load(kit.ModelPath(arch), maxBatchSize: items.Count);

        var crops = items.Select(i => ReadCrop(i.GetProperty("path").GetString()!)).ToList();
        var batched = scorer.Score(crops);

        var worst = 0.0;
        for (var i = 0; i < items.Count; i++)
        {
            Assert.True(batched[i].IsScored, batched[i].CannotScoreReason);
            var expected = items[i].GetProperty("probabilities").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(expected.Length, batched[i].Probabilities.Length);
            for (var k = 0; k < expected.Length; k++)
            {
                worst = Math.Max(worst, Math.Abs(expected[k] - batched[i].Probabilities[k]));
            }
        }

        // The comparison means something only if the faces get different, non-uniform outputs.
        var spread = batched.Max(b => b.Probabilities.Max() - b.Probabilities.Min());
        var between = batched.Skip(1).Max(b => b.Probabilities.Zip(batched[0].Probabilities, (x, y) => Math.Abs(x - y)).Max());
        Assert.True(spread > 1e-3 && between > 1e-6, string.Create(CultureInfo.InvariantCulture, $"{arch}: outputs nearly constant (spread {spread:E2}, between faces {between:E2})"));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{arch}: largest |p(PyTorch) - p(C# ONNX Runtime)| = {worst:E2} over {items.Count} faces (spread {spread:E2}, between faces {between:E2})"));
        Assert.True(worst <= 1e-4, string.Create(CultureInfo.InvariantCulture, $"{arch}: C# and PyTorch probabilities differ by {worst:E2}"));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void KitExport_BatchOfManyEqualsOneAtATime(string arch)
    {
        using var parity = JsonDocument.Parse(File.ReadAllText(kit.ParityPath(arch)));
        var crops = parity.RootElement.GetProperty("items").EnumerateArray().Select(i => ReadCrop(i.GetProperty("path").GetString()!)).ToList();
        using var scorer = OnnxCropScorer.Load(kit.ModelPath(arch), maxBatchSize: crops.Count);

        var batched = scorer.Score(crops);
        var worst = 0.0;
        for (var i = 0; i < crops.Count; i++)
        {
            var single = scorer.Score([crops[i]])[0];
            Assert.Equal(single.PredictedClass, batched[i].PredictedClass);
            worst = Math.Max(worst, single.Probabilities.Zip(batched[i].Probabilities, (a, b) => Math.Abs(a - b)).Max());
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{arch}: largest |p(batch of {crops.Count}) - p(one at a time)| = {worst:E2}"));
        Assert.True(worst <= 1e-5, string.Create(CultureInfo.InvariantCulture, $"{arch}: batched and single probabilities differ by {worst:E2}"));
    }

    private static FaceCrop ReadCrop(string path)
    {
        using var image = OpenCvSharp.Cv2.ImRead(path);
        Assert.True(image.Width == 112 && image.Height == 112 && image.IsContinuous(), $"{path} is a 112-pixel crop");
        var pixels = new byte[112 * 112 * 3];
        System.Runtime.InteropServices.Marshal.Copy(image.Data, pixels, 0, pixels.Length);
        return new FaceCrop(pixels, 112, new Core.Detection.PointF[68], "s");
    }
}

/// <summary>
/// A synthetic dataset of five source faces (astronaut, messi5 and three frames of Megamind) and one model per seed
/// architecture trained on it by the kit for a few steps at a small width (the graphs are the papers', the channel counts
/// scaled down to keep CI fast).
/// </summary>
public sealed class KitModelsFixture : IAsyncLifetime
{
    public static readonly string[] Architectures = ["da-cnn", "gla-cnn", "resnet18", "faceapi-expression"];

    private readonly TempDirectory _temp = new("painstream-kit-");
    private readonly Dictionary<string, string> _models = new(StringComparer.Ordinal);

    /// <summary>The face-api package (npm) that models/fetch keeps in the cache, for the expression-pretrained backbone.</summary>
    public static string FaceApiPackage => Path.Combine(TestPaths.Models, "faceapi", "vladmandic-face-api-1.7.15.tgz");

    public static string SchemeOf(string arch) => arch switch
    {
        "gla-cnn" => "gla4",
        "da-cnn" => "da5",
        _ => "res7",
    };

    public string ModelPath(string arch) => _models.TryGetValue(arch, out var path)
        ? path
        : throw new InvalidOperationException($"the kit did not produce a {arch} model");

    public string ParityPath(string arch) => Path.ChangeExtension(ModelPath(arch), null) + ".parity.json";

    public async ValueTask InitializeAsync()
    {
        var dataset = Path.Combine(_temp.Path, "synth");
        var (code, _, stderr) = await DatasetCli.RunAsync(
            "synth", "--face", TestPaths.Fixture("astronaut.png"), "--face", TestPaths.Fixture("messi5.jpg"), "--face", TestPaths.Fixture("Megamind.avi"),
            "--out", dataset, "--per-face", "8", "--seed", "11", "--models", TestPaths.Models);
        if (code != 0)
        {
            throw new InvalidOperationException($"dataset synth failed ({code}): {stderr}");
        }

        var init = Path.Combine(_temp.Path, "faceapi-expression.pt");
        await Kit(["faceapi-convert", FaceApiPackage, "--out", init]);
        foreach (var arch in Architectures)
        {
            var output = Path.Combine(_temp.Path, arch, arch);
            string[] extra = arch == "faceapi-expression" ? ["--init", init] : ["--width", "0.125"];
            await Kit(["train", dataset, "--arch", arch, "--out", output, "--epochs", "1", "--max-steps", "2", "--batch-size", "8", "--seed", "42", .. extra]);
            _models[arch] = output + ".onnx";
        }
    }

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task Kit(string[] arguments)
    {
        var (code, stdout, stderr) = await PythonSklearn.TrainingKitAsync(arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"python3 -m training {string.Join(' ', arguments)} exited with {code}:{Environment.NewLine}{stdout}{stderr}");
        }
    }
}
