using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx.Loading;

/// <summary>Which execution provider the user asks for.</summary>
public enum ExecutionProviderPreference
{
    /// <summary>CUDA when the GPU package and a GPU are there, otherwise CPU.</summary>
    Auto,

    /// <summary>Always the CPU.</summary>
    Cpu,

    /// <summary>CUDA; falls back to CPU with a message saying why.</summary>
    Cuda,
}

/// <summary>Builds session options for the preferred provider, falling back to CPU with a one-line reason.</summary>
internal static class ExecutionProviders
{
    private const string Cuda = "CUDAExecutionProvider";

    /// <summary>The graph's session on the preferred provider, and which provider runs it (one line, for the user).</summary>
    /// <exception cref="ModelLoadException">ONNX Runtime cannot load the graph.</exception>
    public static (InferenceSession Session, string Description) OpenSession(string onnxFile, ExecutionProviderPreference preference, int? intraOpThreads)
    {
        var (options, description) = Create(preference);
        try
        {
            if (intraOpThreads is { } threads)
            {
                options.IntraOpNumThreads = threads;
            }

            return (new InferenceSession(onnxFile, options), description);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{onnxFile}: ONNX Runtime cannot load the graph: {ex.Message}");
        }
        finally
        {
            options.Dispose();
        }
    }

    private static (SessionOptions Options, string Description) Create(ExecutionProviderPreference preference)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (preference == ExecutionProviderPreference.Cpu)
        {
            return (options, "ONNX Runtime: CPUExecutionProvider (requested)");
        }

        string reason;
        if (!OrtEnv.Instance().GetAvailableProviders().Contains(Cuda))
        {
            reason = "this ONNX Runtime build has no CUDA provider; build with /p:EvalTestsUseOnnxRuntimeGpu=true to use Microsoft.ML.OnnxRuntime.Gpu";
        }
        else
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
                return (options, "ONNX Runtime: CUDAExecutionProvider (device 0)");
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or OnnxRuntimeException or DllNotFoundException)
            {
                reason = $"CUDA could not start: {ex.Message.Split('\n')[0]}";
            }
        }

        return (options, preference == ExecutionProviderPreference.Cuda
            ? $"ONNX Runtime: CPUExecutionProvider (CUDA requested, but {reason})"
            : $"ONNX Runtime: CPUExecutionProvider ({reason})");
    }
}
