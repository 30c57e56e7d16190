// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PainStream.Core.Options;
namespace PainStream.Inference.Onnx;

/// <summary>Creates ONNX Runtime sessions with the configured execution provider and wraps load failures with the file's path.</summary>
/// <remarks>
/// The one place that creates ONNX Runtime sessions and chooses their execution provider, threads and logging: the face
/// detector uses it directly, and the daemon hands <see cref="Creator"/> to the learned pain models and the infant model, so
/// every model honours its provider setting and falls back from CUDA to CPU the same way.
/// </remarks>
public static class OnnxSessionFactory
{
    /// <summary>The name ONNX Runtime reports for the CUDA provider.</summary>
    public const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>The name ONNX Runtime reports for the CPU provider.</summary>
    public const string CpuProviderName = "CPUExecutionProvider";

    /// <summary>Creates a session for a verified model file.</summary>
    /// <param name="modelPath">The model's full path (already checked by <see cref="ModelFile.Verify"/>).</param>
    /// <param name="provider">The requested execution provider.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads per run.</param>
    /// <param name="logger">Logs the CUDA fallback.</param>
    /// <param name="active">The provider the session runs on: <see cref="ExecutionProviderKind.Cpu"/> or <see cref="ExecutionProviderKind.Cuda"/>.</param>
    /// <param name="settingKey">The configuration key that chose <paramref name="provider"/>, named when CUDA was required and failed.</param>
    /// <returns>The session; the caller owns it.</returns>
    /// <exception cref="ModelFileException">ONNX Runtime cannot load the model, or CUDA was required and cannot be used.</exception>
    public static InferenceSession Create(
        string modelPath,
        ExecutionProviderKind provider,
        int intraOpThreads,
        ILogger logger,
        out ExecutionProviderKind active,
        string settingKey = "Detection:ExecutionProvider")
    {
        if (provider != ExecutionProviderKind.Cpu && CudaUnusableReason is { } missing)
        {
            // Checked before ONNX Runtime tries the provider, so a host without the CUDA libraries gets this one line instead of
            // ONNX Runtime's native loader error on stderr.
            if (provider == ExecutionProviderKind.Auto)
            {
                logger.CudaUnavailable(modelPath, missing);
            }
            else
            {
                throw new ModelFileException(
                    $"The CUDA execution provider was required ({settingKey}=Cuda) but could not be used for model '{modelPath}': {missing}",
                    modelPath);
            }
        }
        else if (provider != ExecutionProviderKind.Cpu)
        {
            try
            {
                var session = CreateCore(modelPath, cuda: true, intraOpThreads);
                active = ExecutionProviderKind.Cuda;
                return session;
            }
            catch (Exception ex) when (provider == ExecutionProviderKind.Auto && IsRecoverable(ex))
            {
                // By design: Auto means "CUDA when it loads"; any failure to load the provider or to create the session on it
                // falls back to CPU. A broken model then fails again below, with its path in the message.
                logger.CudaUnavailable(modelPath, ex.Message);
            }
            catch (Exception ex) when (IsRecoverable(ex) && ex is not ModelFileException)
            {
                throw new ModelFileException(
                    $"The CUDA execution provider was required ({settingKey}=Cuda) but could not be used for model '{modelPath}': {ex.Message}",
                    modelPath,
                    ex);
            }
        }

        active = ExecutionProviderKind.Cpu;
        return CreateCore(modelPath, cuda: false, intraOpThreads);
    }

    /// <summary>
    /// Gets a session creator for the model loaders (<c>OnnxModel.Load</c>, <c>InfantFlaccModel.Load</c>) on the configured
    /// provider, as <see cref="Create"/> makes them.
    /// </summary>
    /// <param name="provider">The requested execution provider.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads per run.</param>
    /// <param name="logger">Logs the CUDA fallback.</param>
    /// <param name="settingKey">The configuration key that chose <paramref name="provider"/>.</param>
    /// <returns>The creator; it reports the provider name (<see cref="CudaProviderName"/> or <see cref="CpuProviderName"/>).</returns>
    public static OnnxSessionCreator Creator(ExecutionProviderKind provider, int intraOpThreads, ILogger logger, string settingKey) =>
        (string modelPath, out string executionProvider) =>
        {
            var session = Create(modelPath, provider, intraOpThreads, logger, out var active, settingKey);
            executionProvider = ProviderName(active);
            return session;
        };

    /// <summary>Creates a plain CPU session with one intra-op thread (the default of the model loaders: tests, tools).</summary>
    /// <param name="modelPath">The model file.</param>
    /// <param name="executionProvider">Always <see cref="CpuProviderName"/>.</param>
    /// <returns>The session; the caller owns it.</returns>
    /// <exception cref="ModelFileException">ONNX Runtime cannot load the model.</exception>
    public static InferenceSession CreateCpuSession(string modelPath, out string executionProvider)
    {
        executionProvider = CpuProviderName;
        return CreateCore(modelPath, cuda: false, intraOpThreads: 1);
    }

    /// <summary>
    /// Gets whether CUDA looks usable here: the provider is compiled in, its libraries load and an NVIDIA device node exists
    /// (tests, diagnostics).
    /// </summary>
    /// <returns><see langword="true"/> when all hold; a session may still fail to load on it.</returns>
    public static bool IsCudaUsable() => IsCudaProviderCompiledIn() && File.Exists("/dev/nvidiactl") && CudaUnusableReason is null;

    /// <summary>
    /// Gets why the CUDA provider cannot load in this process, or <see langword="null"/> when its library and the CUDA libraries it
    /// links against load (checked once, by loading <c>libonnxruntime_providers_cuda.so</c> the way ONNX Runtime would).
    /// </summary>
    public static string? CudaUnusableReason => CudaProbe.Value;

    private static readonly Lazy<string?> CudaProbe = new(ProbeCuda, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets whether this process's ONNX Runtime build offers the CUDA provider (it may still fail to load).</summary>
    /// <returns><see langword="true"/> when the provider is compiled in.</returns>
    public static bool IsCudaProviderCompiledIn() =>
        Array.IndexOf(OrtEnv.Instance().GetAvailableProviders(), CudaProviderName) >= 0;

    /// <summary>Gets ONNX Runtime's name of a provider kind that a session runs on.</summary>
    /// <param name="active">The kind returned by <see cref="Create"/>.</param>
    /// <returns><see cref="CudaProviderName"/> or <see cref="CpuProviderName"/>.</returns>
    public static string ProviderName(ExecutionProviderKind active) => active == ExecutionProviderKind.Cuda ? CudaProviderName : CpuProviderName;

    private static InferenceSession CreateCore(string modelPath, bool cuda, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            // Initializer-cleanup warnings from these converted graphs are harmless (DESIGN.md §10).
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (cuda)
        {
            options.AppendExecutionProvider_CUDA(0);
        }

        try
        {
            return new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelFileException($"Model file '{modelPath}' could not be loaded by ONNX Runtime: {ex.Message}", modelPath, ex);
        }
    }

    private static string? ProbeCuda()
    {
        string? directory = null;
        foreach (var candidate in new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") })
        {
            if (File.Exists(Path.Combine(candidate, "libonnxruntime_providers_cuda.so")))
            {
                directory = candidate;
                break;
            }
        }

        if (directory is null)
        {
            return "this is the CPU build of ONNX Runtime (build with -p:OnnxRuntimeFlavor=Gpu for CUDA)";
        }

        try
        {
            // The shared provider bridge first: the CUDA provider links against it by soname.
            var shared = Path.Combine(directory, "libonnxruntime_providers_shared.so");
            if (File.Exists(shared))
            {
                NativeLibrary.Load(shared);
            }

            NativeLibrary.Load(Path.Combine(directory, "libonnxruntime_providers_cuda.so"));
            return null;
        }
        catch (DllNotFoundException ex)
        {
            // dlopen's message names the first missing CUDA library, e.g. "libcublasLt.so.13: cannot open shared object file".
            // .NET puts its own advice before it; keep dlopen's last line only.
            var lines = ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return "CUDA 13 and cuDNN 9 libraries not found: " + (lines.Length > 0 ? lines[^1] : ex.Message);
        }
        catch (BadImageFormatException ex)
        {
            return "the CUDA provider library could not be loaded: " + ex.Message;
        }
    }

    private static bool IsRecoverable(Exception ex) =>
        ex is OnnxRuntimeException or ModelFileException or EntryPointNotFoundException or DllNotFoundException
            or TypeInitializationException or InvalidOperationException or NotSupportedException;
}

/// <summary>Creates an ONNX Runtime session for a model file and reports the execution provider it runs on.</summary>
/// <param name="modelPath">The model file.</param>
/// <param name="executionProvider">The provider's ONNX Runtime name.</param>
/// <returns>The session; the caller owns it.</returns>
public delegate InferenceSession OnnxSessionCreator(string modelPath, out string executionProvider);
