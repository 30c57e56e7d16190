// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Options;
using PainStream.Scoring.Onnx;
using PainStream.Testing;
using PainStream.Inference.Onnx;

namespace PainStream.Scoring.Tests.Onnx;

/// <summary>Execution-provider choice for the pain model, through the same factory the face detector uses.</summary>
public sealed class OnnxGpuTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static bool IsCudaUsable() => OnnxSessionFactory.IsCudaUsable();

    /// <summary>Needs <c>-p:OnnxRuntimeFlavor=Gpu</c> and an NVIDIA device; skipped otherwise.</summary>
    [Fact]
    [Trait("Category", "Gpu")]
    public void Load_CudaProvider_RunsOnCuda_AndMatchesCpu()
    {
        Requires.Gpu(IsCudaUsable(), "No CUDA here: this ONNX Runtime build lacks the CUDA provider or there is no NVIDIA device.");
        var path = new TinyPainModel().Write(_dir.Path);
        using var gpu = new OnnxBatchScorer(OnnxModel.Load(path, Creator(ExecutionProviderKind.Cuda)), new OnnxBatchOptions(), null, NullLogger.Instance);
        using var cpu = new OnnxBatchScorer(OnnxModel.Load(path, Creator(ExecutionProviderKind.Cpu)), new OnnxBatchOptions(), null, NullLogger.Instance);
        Assert.Equal(OnnxSessionFactory.CudaProviderName, gpu.Model.ExecutionProvider);

        for (var i = 0; i < 8; i++)
        {
            gpu.Prepare(i, OnnxTestModels.View(OnnxTestModels.Crop(i)));
            cpu.Prepare(i, OnnxTestModels.View(OnnxTestModels.Crop(i)));
        }

        gpu.Infer(8);
        cpu.Infer(8);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(cpu.Result(i).Pspi, gpu.Result(i).Pspi, 1e-3);
        }
    }

    [Fact]
    public void Load_AutoWithoutCuda_FallsBackToCpu()
    {
        Requires.NoGpu(IsCudaUsable(), "CUDA is usable here: Auto picks it (the GPU test covers that).");
        var path = new TinyPainModel().Write(_dir.Path);

        using var model = OnnxModel.Load(path, Creator(ExecutionProviderKind.Auto));

        Assert.Equal(OnnxSessionFactory.CpuProviderName, model.ExecutionProvider);
    }

    private static OnnxSessionCreator Creator(ExecutionProviderKind kind) => (string p, out string provider) =>
    {
        var session = OnnxSessionFactory.Create(p, kind, 1, NullLogger.Instance, out var active, "Scoring:ExecutionProvider");
        provider = OnnxSessionFactory.ProviderName(active);
        return session;
    };
}
