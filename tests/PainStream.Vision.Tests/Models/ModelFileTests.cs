// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using PainStream.Testing;
using PainStream.Vision.Detection;
using PainStream.Inference.Onnx;
using PainStream.Vision.Tests.Detection;

namespace PainStream.Vision.Tests.Models;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("painstream-models-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Verify_EveryFileInTheManifest_MatchesItsChecksum()
    {
        var manifest = ModelChecksums.Load(TestPaths.Models);

        Assert.NotEmpty(manifest.Entries);
        foreach (var entry in manifest.Entries)
        {
            var path = ModelFile.Verify(TestPaths.Models, entry.Path);
            Assert.True(File.Exists(path), path);
        }
    }

    [Fact]
    public void Constructor_MissingModelFile_ThrowsNamingThePathAndModelsFetch()
    {
        File.Copy(Path.Combine(TestPaths.Models, ModelChecksums.FileName), Path.Combine(_dir, ModelChecksums.FileName));
        var expectedPath = Path.Combine(_dir, BlazeFaceModel.Front.RelativePath);

        var ex = Assert.Throws<ModelFileException>(
            () => new BlazeFaceDetector(BlazeFaceModel.Front, _dir, DetectorFixture.Options(), NullLogger.Instance));

        Assert.Contains(expectedPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("models/fetch", ex.Message, StringComparison.Ordinal);
        Assert.Equal(expectedPath, ex.ModelPath);
    }

    [Fact]
    public void Constructor_TruncatedModel_ThrowsNamingThePathAndTheExpectedChecksum()
    {
        File.Copy(Path.Combine(TestPaths.Models, ModelChecksums.FileName), Path.Combine(_dir, ModelChecksums.FileName));
        var path = WriteTruncatedCopy(BlazeFaceModel.Front);
        var expectedSha = ModelChecksums.Load(TestPaths.Models).Get(BlazeFaceModel.Front.RelativePath).Sha256;

        var ex = Assert.Throws<ModelFileException>(
            () => new BlazeFaceDetector(BlazeFaceModel.Front, _dir, DetectorFixture.Options(), NullLogger.Instance));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedSha, ex.Message, StringComparison.Ordinal);
        Assert.Contains(ModelFile.ComputeSha256(path), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TruncatedModelWhoseChecksumMatches_WrapsTheOnnxRuntimeErrorWithThePath()
    {
        // A manifest that vouches for the broken bytes: the checksum passes and ONNX Runtime itself must fail to parse it.
        var path = WriteTruncatedCopy(BlazeFaceModel.Front);
        WriteManifest(BlazeFaceModel.Front.RelativePath, ModelFile.ComputeSha256(path));

        var ex = Assert.Throws<ModelFileException>(
            () => new BlazeFaceDetector(BlazeFaceModel.Front, _dir, DetectorFixture.Options(), NullLogger.Instance));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.IsType<OnnxRuntimeException>(ex.InnerException);
    }

    [Fact]
    public void Constructor_WrongGraphForTheModel_ThrowsNamingThePath()
    {
        // The 256 graph placed where the 128 one belongs: loads, but its input shape is wrong for the front layout.
        var path = Path.Combine(_dir, BlazeFaceModel.Front.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(Path.Combine(TestPaths.Models, BlazeFaceModel.Back.RelativePath), path);
        WriteManifest(BlazeFaceModel.Front.RelativePath, ModelFile.ComputeSha256(path));

        var ex = Assert.Throws<ModelFileException>(
            () => new BlazeFaceDetector(BlazeFaceModel.Front, _dir, DetectorFixture.Options(), NullLogger.Instance));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("[1,128,128,3]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_MissingManifest_ThrowsNamingTheManifest()
    {
        var ex = Assert.Throws<ModelFileException>(() => ModelFile.Verify(_dir, BlazeFaceModel.Front.RelativePath));

        Assert.Contains(Path.Combine(_dir, ModelChecksums.FileName), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_FileNotInManifest_Throws()
    {
        WriteManifest("other/model.onnx", new string('0', 64));

        var ex = Assert.Throws<ModelFileException>(() => ModelFile.Verify(_dir, BlazeFaceModel.Front.RelativePath));

        Assert.Contains(BlazeFaceModel.Front.RelativePath, ex.Message, StringComparison.Ordinal);
    }

    private string WriteTruncatedCopy(BlazeFaceModel model)
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Models, model.RelativePath));
        var path = Path.Combine(_dir, model.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 3).ToArray());
        return path;
    }

    private void WriteManifest(string relativePath, string sha256)
    {
        var manifest = new JsonObject
        {
            ["schema"] = 1,
            ["files"] = new JsonArray(new JsonObject
            {
                ["path"] = relativePath,
                ["source"] = new JsonObject { ["kind"] = "test", ["package"] = "test", ["version"] = "0" },
                ["sha256"] = sha256,
            }),
        };
        File.WriteAllText(Path.Combine(_dir, ModelChecksums.FileName), manifest.ToJsonString());
    }
}
