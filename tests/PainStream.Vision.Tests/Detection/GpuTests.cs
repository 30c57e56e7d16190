// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Options;
using PainStream.Testing;
using PainStream.Vision.Detection;
using PainStream.Inference.Onnx;

namespace PainStream.Vision.Tests.Detection;

/// <summary>Execution-provider selection. The CUDA test needs the GPU build of ONNX Runtime and an NVIDIA device.</summary>
public sealed class GpuTests
{
    /// <summary>Needs <c>-p:OnnxRuntimeFlavor=Gpu</c> and an NVIDIA device; skipped otherwise.</summary>
    [Fact]
    [Trait("Category", "Gpu")]
    public void Constructor_CudaProvider_LoadsOnCudaAndFindsTheAstronaut()
    {
        Requires.Gpu(
            BlazeFaceDetectorTests.IsCudaUsable(),
            "No CUDA here: this ONNX Runtime build lacks the CUDA provider or there is no NVIDIA device.");
        var options = new DetectionOptions { ExecutionProvider = ExecutionProviderKind.Cuda };

        using var detector = new BlazeFaceDetector(BlazeFaceModel.Front, TestPaths.Models, options, NullLogger.Instance);
        var faces = detector.Detect(TestImage.Load(TestPaths.Fixture("astronaut.png")).View);

        Assert.Equal(ExecutionProviderKind.Cuda, detector.ExecutionProvider);
        GroundTruth.AssertBoxNear(GroundTruth.AstronautFace, Assert.Single(faces).Box, 10);
    }

    [Fact]
    public void Constructor_CudaRequiredButUnavailable_ThrowsNamingTheModel()
    {
        Requires.NoGpu(BlazeFaceDetectorTests.IsCudaUsable(), "CUDA is usable here.");
        var options = new DetectionOptions { ExecutionProvider = ExecutionProviderKind.Cuda };

        var ex = Assert.Throws<ModelFileException>(
            () => new BlazeFaceDetector(BlazeFaceModel.Front, TestPaths.Models, options, NullLogger.Instance));

        Assert.Contains("CUDA", ex.Message, StringComparison.Ordinal);
        Assert.Contains(BlazeFaceModel.Front.RelativePath, ex.Message, StringComparison.Ordinal);
    }
}
