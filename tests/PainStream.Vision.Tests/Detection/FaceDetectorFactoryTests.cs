// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Options;
using PainStream.Testing;
using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

public sealed class FaceDetectorFactoryTests
{
    [Theory]
    [InlineData(DetectorKind.BlazeFaceFront, typeof(BlazeFaceDetector), "blazeface-front-128")]
    [InlineData(DetectorKind.BlazeFaceBack, typeof(BlazeFaceDetector), "blazeface-back-256")]
    [InlineData(DetectorKind.Haar, typeof(HaarFaceDetector), "haar-frontalface_default")]
    public void Create_EachKind_ReturnsTheConfiguredDetector(DetectorKind kind, Type type, string name)
    {
        // ModelsDirectory stays relative ("models"): the factory resolves it against the content root.
        var options = new DetectionOptions { Detector = kind, ExecutionProvider = ExecutionProviderKind.Cpu };

        using var detector = FaceDetectorFactory.Create(options, TestPaths.RepoRoot, NullLoggerFactory.Instance);

        Assert.IsType(type, detector);
        Assert.Equal(name, detector.Name);
    }
}
