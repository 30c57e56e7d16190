// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;
using PainStream.Core.Detection;
using PainStream.Core.Options;

namespace PainStream.Vision.Detection;

/// <summary>Creates the face detector that <see cref="DetectionOptions.Detector"/> selects.</summary>
public static class FaceDetectorFactory
{
    /// <summary>Creates the configured detector. Model and cascade files are checked here, so a bad file fails at start.</summary>
    /// <param name="options">The <c>Detection</c> options.</param>
    /// <param name="contentRoot">The directory relative paths (<see cref="DetectionOptions.ModelsDirectory"/>, the cascade) are resolved against.</param>
    /// <param name="loggerFactory">Creates the detector's logger.</param>
    /// <returns>The detector; the caller owns it and disposes it.</returns>
    /// <exception cref="Inference.Onnx.ModelFileException">A BlazeFace model is missing, corrupt or cannot be loaded.</exception>
    /// <exception cref="FileNotFoundException">The Haar cascade is missing.</exception>
    public static IFaceDetector Create(DetectionOptions options, string contentRoot, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(contentRoot);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return options.Detector switch
        {
            DetectorKind.BlazeFaceFront => CreateBlazeFace(BlazeFaceModel.Front, options, contentRoot, loggerFactory),
            DetectorKind.BlazeFaceBack => CreateBlazeFace(BlazeFaceModel.Back, options, contentRoot, loggerFactory),
            DetectorKind.Haar => new HaarFaceDetector(
                Path.GetFullPath(options.HaarCascadePath, contentRoot), options, loggerFactory.CreateLogger<HaarFaceDetector>()),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Detector, "Unknown detector kind."),
        };
    }

    private static BlazeFaceDetector CreateBlazeFace(BlazeFaceModel model, DetectionOptions options, string contentRoot, ILoggerFactory loggerFactory) =>
        new(model, Path.GetFullPath(options.ModelsDirectory, contentRoot), options, loggerFactory.CreateLogger<BlazeFaceDetector>());
}
