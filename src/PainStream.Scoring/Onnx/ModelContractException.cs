// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring.Onnx;

/// <summary>
/// A learned model cannot be used: its manifest is missing, malformed or breaks the model contract
/// (<c>docs/model-contract.md</c>), its file fails the manifest's checksum, or the graph disagrees with the manifest. The
/// message names the file and every offending field; a model that fails at start-up stops the daemon (exit 3).
/// </summary>
public sealed class ModelContractException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ModelContractException"/> class.</summary>
    public ModelContractException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelContractException"/> class.</summary>
    /// <param name="message">The message, naming the file.</param>
    public ModelContractException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelContractException"/> class.</summary>
    /// <param name="message">The message, naming the file.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ModelContractException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelContractException"/> class.</summary>
    /// <param name="path">The file concerned (the manifest or the .onnx file).</param>
    /// <param name="problems">Each problem as <c>field: detail</c>.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ModelContractException(string path, IReadOnlyList<string> problems, Exception? innerException = null)
        : base(Format(path, problems), innerException)
    {
        ModelPath = path;
        Problems = problems;
    }

    /// <summary>Gets the full path of the file concerned, when known.</summary>
    public string? ModelPath { get; }

    /// <summary>Gets each problem as <c>field: detail</c> (empty when the exception was not built from a list).</summary>
    public IReadOnlyList<string> Problems { get; } = [];

    private static string Format(string path, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 1
            ? $"Model '{path}': {problems[0]}"
            : $"Model '{path}' has {problems.Count} problems: {string.Join("; ", problems)}";
    }
}
