// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PainStream.Scoring.Onnx;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Onnx;

public sealed partial class ModelManifestTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Schema_ContractSampleAndTestManifest_AreValid()
    {
        // The sample in docs/model-contract.md, with its placeholder checksum filled in: the doc and the schema agree.
        var doc = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepoRoot, "docs", "model-contract.md"), TestContext.Current.CancellationToken);
        var sample = JsonBlock().Match(doc).Groups["json"].Value.Replace("<64 lowercase hex of the .onnx file>", new string('a', 64), StringComparison.Ordinal);
        Assert.Empty(await PayloadSchemas.ValidateAsync("model-manifest", sample));
        Assert.Empty(ModelManifest.Parse(sample).Validate());

        var tiny = new TinyPainModel().Manifest("tiny", new string('0', 64)).ToJsonString();
        Assert.Empty(await PayloadSchemas.ValidateAsync("model-manifest", tiny));
    }

    [Fact]
    public async Task Schema_BadManifest_IsRejected()
    {
        var bad = new TinyPainModel().Manifest("tiny", "ABC");
        bad["temperature"] = 0;

        var problems = await PayloadSchemas.ValidateAsync("model-manifest", bad.ToJsonString());

        Assert.Contains(problems, p => p.Contains("sha256", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("temperature", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ContractSample_ReadsEveryField()
    {
        var path = Write(m => { });

        var manifest = ModelManifest.Load(path);

        Assert.Equal("tiny", manifest.Name);
        Assert.Equal("da5", manifest.Scheme);
        Assert.Equal("RGB", manifest.Input!.ColorOrder);
        Assert.Equal([0.5, 0.5, 0.5], manifest.Input.Mean);
        Assert.Equal("cam_weights", manifest.Cam!.Weights);
        Assert.Equal(5, manifest.Classes!.Count);
        Assert.Equal([0, 1, 2.5, 5, 8.5], Enumerable.Range(0, 5).Select(manifest.ClassValue));
        Assert.Equal(1.5, manifest.Temperature);
        Assert.False(manifest.Training!.Value.GetProperty("clinicallyValidated").GetBoolean());
    }

    [Theory]
    [InlineData("schema", "2", "schema: 2")]
    [InlineData("sha256", "\"abc\"", "sha256:")]
    [InlineData("task", "\"infant-flacc\"", "task: 'infant-flacc'")]
    [InlineData("temperature", "0", "temperature: 0")]
    [InlineData("temperature", "null", "temperature: missing")]
    [InlineData("scheme", "\"da6\"", "scheme: 'da6'")]
    [InlineData("scheme", "\"gla4\"", "classes: 5 classes, scheme 'gla4' has 4")]
    [InlineData("cam", "{\"features\":\"features\"}", "cam.weights: missing")]
    [InlineData("output", "{\"name\":\"logits\",\"kind\":\"regression\"}", "output.kind: 'regression'")]
    public void Load_BadField_NamesTheFileAndTheField(string field, string json, string expected)
    {
        var path = Write(m => m[field] = JsonNode.Parse(json));

        var ex = Assert.Throws<ModelContractException>(() => ModelManifest.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("height", "224", "input.height/width: 224×112")]
    [InlineData("channels", "1", "input.channels: 1")]
    [InlineData("layout", "\"NHWC\"", "input.layout: 'NHWC'")]
    [InlineData("colorOrder", "\"GRAY\"", "input.colorOrder: 'GRAY'")]
    [InlineData("std", "[0.5, 0, 0.5]", "input.std:")]
    [InlineData("mean", "[0.5]", "input.mean:")]
    [InlineData("alignment", "\"arcface-112\"", "input.alignment: 'arcface-112'")]
    [InlineData("scale", "0", "input.scale: 0")]
    public void Load_BadInputField_NamesTheField(string field, string json, string expected)
    {
        var path = Write(m => m["input"]![field] = JsonNode.Parse(json));

        var ex = Assert.Throws<ModelContractException>(() => ModelManifest.Load(path));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ProbabilitiesWithATemperature_IsRejected()
    {
        var path = Write(m =>
        {
            m["output"]!["kind"] = "probabilities";
            m["temperature"] = 1.3;
        });

        var ex = Assert.Throws<ModelContractException>(() => ModelManifest.Load(path));

        Assert.Contains("temperature: 1.3, but output.kind is 'probabilities'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClassesOutOfOrderOrValueOutsideRange_AreRejected()
    {
        var path = Write(m =>
        {
            m["scheme"] = null;
            m["classes"]![1]!["pspiMin"] = 0;
            m["classes"]![4]!["value"] = 20;
        });

        var ex = Assert.Throws<ModelContractException>(() => ModelManifest.Load(path));

        Assert.Contains("classes[1]: PSPI range 0–1 does not follow class 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("classes[4].value: 20", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Problems.Count);
    }

    [Fact]
    public void Load_MalformedJson_NamesTheFileAndTheField()
    {
        var path = _dir.File("bad.manifest.json");
        File.WriteAllText(path, "{\"schema\": 1, \"input\": {\"height\": \"tall\"}}");

        var ex = Assert.Throws<ModelContractException>(() => ModelManifest.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("input.height: malformed JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Missing_SaysWhereItShouldBe()
    {
        var ex = Assert.Throws<ModelContractException>(() => ModelManifest.Load(_dir.File("none.manifest.json")));

        Assert.Contains("none.manifest.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("manifest is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PathFor_IsTheSameStemBesideTheModel() =>
        Assert.Equal(Path.Combine(_dir.Path, "dacnn.manifest.json"), ModelManifest.PathFor(_dir.File("dacnn.onnx")));

    private string Write(Action<JsonObject> edit)
    {
        var manifest = new TinyPainModel().Manifest("tiny", new string('0', 64));
        edit(manifest);
        var path = _dir.File("tiny.manifest.json");
        File.WriteAllText(path, manifest.ToJsonString());
        return path;
    }

    [GeneratedRegex("```json\\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
