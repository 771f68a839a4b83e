using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Distill.Torch.Native;

/// <summary>
/// Finds and loads the shim, checks its ABI version and sets libtorch's thread count, before any other call.
/// A failure to load explains what is missing and how to install it. OpenBLAS's kernels are chosen first
/// (<see cref="OpenBlasCoreType"/>), since OpenBLAS fixes them when the shim's libtorch loads it.
/// </summary>
internal static class NativeLibraryLoader
{
    private const string FileName = "libdistilltorch.so";
    private static readonly Lock s_gate = new();
    private static nint s_handle;

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be registered before the first P/Invoke.")]
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != NativeMethods.Library)
        {
            return 0;
        }
        lock (s_gate)
        {
            if (s_handle == 0)
            {
                s_handle = Load();
            }
            return s_handle;
        }
    }

    private static nint Load() => LoadFrom(CandidatePaths());

    /// <summary>Where the shim is looked for, in order: DISTILL_NATIVE_PATH (a file or folder), then next to the assemblies.</summary>
    internal static IReadOnlyList<string> CandidatePaths()
    {
        var candidates = new List<string>();
        var configured = Environment.GetEnvironmentVariable("DISTILL_NATIVE_PATH");
        if (!string.IsNullOrEmpty(configured))
        {
            candidates.Add(Directory.Exists(configured) ? Path.Combine(configured, FileName) : configured);
        }
        candidates.Add(Path.Combine(AppContext.BaseDirectory, FileName));
        var assemblyDirectory = Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            candidates.Add(Path.Combine(assemblyDirectory, FileName));
        }
        return candidates.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Loads the first candidate that exists, checks that it is the shim and speaks this binding's ABI, and sets
    /// libtorch's thread count. Every failure is a DllNotFoundException that says what is wrong and how to fix it.
    /// </summary>
    internal static unsafe nint LoadFrom(IReadOnlyList<string> candidates)
    {
        var path = candidates.FirstOrDefault(File.Exists) ?? throw new DllNotFoundException(
            $"Distill's native shim ({FileName}) was not found (looked in: {string.Join(", ", candidates)}). " +
            "It is built by building gpu-runner/Distill.Torch; run ./eng/setup.sh to install libtorch and build it.");

        OpenBlasCoreType.Apply();
        OpenMpWaitPolicy.Apply();
        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new DllNotFoundException(
                $"Distill's native shim at {path} could not be loaded: {e.Message}. It needs libtorch 1.13 (or the libtorch " +
                "it was built against) and OpenBLAS. On Debian 12: sudo apt-get install libtorch-dev libopenblas0-pthread " +
                "(or run ./eng/setup.sh).", e);
        }

        if (!NativeLibrary.TryGetExport(handle, "dt_abi_version", out var abiExport))
        {
            NativeLibrary.Free(handle);
            throw new DllNotFoundException(
                $"{path} is a shared library but not Distill's native shim (it has no dt_abi_version); point DISTILL_NATIVE_PATH " +
                "at the libdistilltorch.so that building gpu-runner/Distill.Torch produces.");
        }
        var abi = ((delegate* unmanaged<int>)abiExport)();
        if (abi != NativeMethods.AbiVersion)
        {
            NativeLibrary.Free(handle);
            throw new DllNotFoundException(
                $"Distill's native shim at {path} speaks ABI version {abi} but this build expects {NativeMethods.AbiVersion}; rebuild gpu-runner/Distill.Torch.");
        }

        // libtorch may start with a single intra-op thread: use every core unless told otherwise.
        var threads = Environment.ProcessorCount;
        if (int.TryParse(Environment.GetEnvironmentVariable("DISTILL_THREADS"), out var requested) && requested > 0)
        {
            threads = requested;
        }
        var setThreads = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(handle, "dt_set_num_threads");
        _ = setThreads(threads);
        return handle;
    }
}
