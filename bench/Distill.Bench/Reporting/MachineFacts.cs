using System.Globalization;
using System.Runtime.InteropServices;

namespace Distill.Bench.Reporting;

/// <summary>Where and how a suite ran: the hardware, the threads and the libraries each side really loaded.</summary>
public sealed record MachineFacts
{
    public required string Cpu { get; init; }

    public required int Cores { get; init; }

    /// <summary>libtorch intra-op threads on Distill's side.</summary>
    public required int Threads { get; init; }

    /// <summary>torch.get_num_threads() on the peer's side.</summary>
    public required int PeerThreads { get; init; }

    public required string LibtorchVersion { get; init; }

    public required string PeerTorchVersion { get; init; }

    /// <summary>The libtorch_cpu.so mapped into Distill's process.</summary>
    public required string Libtorch { get; init; }

    /// <summary>The libtorch_cpu.so mapped into the peer's process.</summary>
    public required string PeerLibtorch { get; init; }

    /// <summary>The BLAS library mapped into Distill's process (libtorch's matrix products run there).</summary>
    public required string Blas { get; init; }

    public required string PeerBlas { get; init; }

    /// <summary>What the BLAS says of itself (OpenBLAS: version, build, the core kernels it picked) and its threads.</summary>
    public required string BlasConfig { get; init; }

    public required string PeerBlasConfig { get; init; }

    public required string Dotnet { get; init; }

    public required string Python { get; init; }

    /// <summary>Threading variables set for both processes (OMP_*, OPENBLAS_*, DISTILL_THREADS).</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public bool SameLibtorch => Libtorch.Length > 0 && Libtorch == PeerLibtorch;

    /// <summary>The CPU's model name from /proc/cpuinfo (the architecture where there is none).</summary>
    public static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (File.Exists(CpuInfo))
        {
            foreach (var line in File.ReadLines(CpuInfo))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The path of the first library mapped into this process whose file name contains one of <paramref name="fragments"/>.</summary>
    public static string MappedLibrary(params string[] fragments)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        const string Maps = "/proc/self/maps";
        if (!File.Exists(Maps))
        {
            return "";
        }
        foreach (var line in File.ReadLines(Maps))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }
            var path = line[slash..];
            var name = Path.GetFileName(path);
            if (fragments.Any(f => name.Contains(f, StringComparison.Ordinal)))
            {
                return path;
            }
        }
        return "";
    }

    /// <summary>
    /// OpenBLAS's own description (openblas_get_config: version, build, the core whose kernels it runs) and its thread
    /// count, asked of the library mapped into this process; "" for another BLAS.
    /// </summary>
    public static unsafe string OpenBlasConfig(string library)
    {
        if (library.Length == 0 || !NativeLibrary.TryLoad(library, out var handle))
        {
            return "";
        }
        try
        {
            if (!NativeLibrary.TryGetExport(handle, "openblas_get_config", out var config) ||
                !NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out var threads))
            {
                return "";
            }
            var text = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)config)()) ?? "";
            return string.Create(CultureInfo.InvariantCulture, $"{text}, {((delegate* unmanaged<int>)threads)()} threads");
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    /// <summary>The variables that change how libtorch, OpenMP and OpenBLAS thread, as set for both processes.</summary>
    public static IReadOnlyDictionary<string, string> ThreadingEnvironment()
    {
        string[] names = ["DISTILL_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "MKL_NUM_THREADS"];
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                result[name] = value;
            }
        }
        return result;
    }
}
