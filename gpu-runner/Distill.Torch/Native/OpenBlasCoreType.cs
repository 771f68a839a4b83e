using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Distill.Torch.Native;

/// <summary>
/// Chooses OpenBLAS's kernels from the CPU's instruction sets before libtorch loads it. OpenBLAS (libtorch's BLAS on
/// Debian) picks its kernels from the CPU model when it loads, and 0.3.21 does not know recent Xeons: it falls back
/// to its generic SSE3 kernels ("Prescott"), about 4× slower at sgemm per core than its AVX-512 ones. A value the user
/// set for OPENBLAS_CORETYPE is left alone; another BLAS ignores the variable.
/// </summary>
internal static class OpenBlasCoreType
{
    internal const string Variable = "OPENBLAS_CORETYPE";

    /// <summary>The OpenBLAS core whose kernels this CPU runs: SkylakeX with AVX-512, Haswell with AVX2 and FMA, else none.</summary>
    internal static string? ForThisCpu()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return null;
        }
        if (Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported)
        {
            return "SkylakeX";
        }
        return Avx2.IsSupported && Fma.IsSupported ? "Haswell" : null;
    }

    /// <summary>Sets OPENBLAS_CORETYPE for this process and the processes it starts, unless it is set already.</summary>
    internal static void Apply()
    {
        if (ForThisCpu() is { } core)
        {
            NativeEnvironment.SetDefault(Variable, core);
        }
    }
}
