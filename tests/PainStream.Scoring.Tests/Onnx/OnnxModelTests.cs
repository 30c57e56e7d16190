// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Inference.Onnx;
using PainStream.Scoring.Onnx;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Onnx;

public sealed class OnnxModelTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_TinyModel_ChecksTheGraphAndReadsTheCamWeights()
    {
        var tiny = new TinyPainModel();
        using var model = OnnxModel.Load(OnnxTestModels.Write(_dir, tiny));

        Assert.Equal(5, model.ClassCount);
        Assert.Equal([0f, 1f, 2.5f, 5f, 8.5f], model.ClassValuesSpan.ToArray());
        Assert.Equal((4, 14, 14), model.FeatureShape);
        Assert.Equal(tiny.FcWeights, model.CamWeights);
        Assert.Equal(OnnxSessionFactory.CpuProviderName, model.ExecutionProvider);
    }

    [Fact]
    public void Load_TruncatedFile_NamesThePathAndBothHashes()
    {
        var path = OnnxTestModels.Write(_dir);
        var expected = ModelFile.ComputeSha256(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var actual = ModelFile.ComputeSha256(path);

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("expected " + expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("actual " + actual, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptFileWithMatchingChecksum_SaysOnnxRuntimeCannotLoadIt()
    {
        var path = _dir.File("junk.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        var manifest = new TinyPainModel().Manifest("junk", ModelFile.ComputeSha256(path));
        File.WriteAllText(_dir.File("junk.manifest.json"), manifest.ToJsonString());

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ONNX Runtime cannot load it", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingModelOrManifest_NamesTheFile()
    {
        var missing = Assert.Throws<ModelContractException>(() => OnnxModel.Load(_dir.File("none.onnx")));
        Assert.Contains("none.onnx", missing.Message, StringComparison.Ordinal);

        var path = OnnxTestModels.Write(_dir);
        File.Delete(ModelManifest.PathFor(path));
        var noManifest = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));
        Assert.Contains("tiny.manifest.json", noManifest.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestClassCountDisagreesWithTheGraph_NamesClasses()
    {
        // A custom 4-class manifest on a 5-class graph.
        var path = OnnxTestModels.Write(_dir, editManifest: m =>
        {
            m["scheme"] = null;
            m["classes"]!.AsArray().RemoveAt(4);
        });

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("classes: 4 classes, but output 'logits' is [2,5]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongNames_NameTheFields()
    {
        var path = OnnxTestModels.Write(_dir, editManifest: m =>
        {
            m["input"]!["name"] = "image";
            m["output"]!["name"] = "scores";
            m["cam"]!["weights"] = "fc.weight";
        });

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains("input.name: 'image' is not an input of the graph (inputs: input)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("output.name: 'scores' is not an output of the graph", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cam.weights: 'fc.weight' is not an output of the graph", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CamFeaturesNamesTheLogits_NamesCamFeatures()
    {
        var path = OnnxTestModels.Write(_dir, editManifest: m => m["cam"]!["features"] = "logits");

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains("cam.features: 'logits' has rank 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FixedBatch_IsRejected()
    {
        var path = OnnxTestModels.Write(_dir, new TinyPainModel { DynamicBatch = false });

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains("input.name: 'input' has a fixed batch dimension 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InputSizeDisagreesWithTheGraph_NamesInputSize()
    {
        // A graph for 96-pixel crops under a (valid) 112-pixel manifest.
        var path = OnnxTestModels.Write(_dir, new TinyPainModel { Size = 96 }, editManifest: m =>
        {
            m["input"]!["height"] = 112;
            m["input"]!["width"] = 112;
        });

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains("input.height/width: 112×112, the graph's input is [-1,3,96,96]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LogitsDeclaredAsProbabilities_IsCaughtByTheProbe()
    {
        var path = OnnxTestModels.Write(_dir, editManifest: m =>
        {
            m["output"]!["kind"] = "probabilities";
            m["temperature"] = 1.0;
        });

        var ex = Assert.Throws<ModelContractException>(() => OnnxModel.Load(path));

        Assert.Contains("output.kind: 'probabilities', but a row of 'logits' sums to", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ProbabilitiesModelWithoutCam_Loads()
    {
        using var model = OnnxModel.Load(OnnxTestModels.Write(_dir, new TinyPainModel { Probabilities = true, WithCam = false }));

        Assert.False(model.HasCam);
        Assert.Equal((0, 0, 0), model.FeatureShape);
    }
}
