// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Options;
using PainStream.Testing;
using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

/// <summary>Detectors shared by the tests of one class (loading a session costs tens of milliseconds).</summary>
public sealed class DetectorFixture : IDisposable
{
    public DetectorFixture()
    {
        Front = new BlazeFaceDetector(BlazeFaceModel.Front, TestPaths.Models, Options(), NullLogger.Instance);
        Back = new BlazeFaceDetector(BlazeFaceModel.Back, TestPaths.Models, Options(), NullLogger.Instance);
    }

    public BlazeFaceDetector Front { get; }

    public BlazeFaceDetector Back { get; }

    /// <summary>Options as the daemon defaults them, on CPU so results are deterministic.</summary>
    public static DetectionOptions Options() => new() { ExecutionProvider = ExecutionProviderKind.Cpu };

    public void Dispose()
    {
        Front.Dispose();
        Back.Dispose();
    }
}
