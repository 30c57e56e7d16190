// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Inference.Onnx;

/// <summary>
/// A model file is missing, fails its checksum, is not listed in the manifest, or cannot be loaded.
/// The message always names the file; a model-load failure is fatal for the daemon (systemd restarts it).
/// </summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ModelFileException"/> class.</summary>
    public ModelFileException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFileException"/> class.</summary>
    /// <param name="message">The message, naming the file.</param>
    public ModelFileException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFileException"/> class.</summary>
    /// <param name="message">The message, naming the file.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFileException"/> class.</summary>
    /// <param name="message">The message, naming the file.</param>
    /// <param name="modelPath">The model file's full path.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ModelFileException(string message, string modelPath, Exception? innerException = null)
        : base(message, innerException)
    {
        ModelPath = modelPath;
    }

    /// <summary>Gets the full path of the model file concerned, when known.</summary>
    public string? ModelPath { get; }
}
