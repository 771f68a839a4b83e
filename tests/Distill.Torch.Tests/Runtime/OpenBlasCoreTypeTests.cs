using System.Runtime.InteropServices;
using Distill.Torch.Native;

namespace Distill.Torch.Tests.Runtime;

/// <summary>
/// Debian's OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its generic kernels (about 4× slower
/// sgemm); loading the engine must point it at the kernels the CPU can run.
/// </summary>
public sealed class OpenBlasCoreTypeTests
{
    [Fact]
    public unsafe void LoadingTheEngine_OpenBlasRunsTheKernelsOfThisCpu()
    {
        using (TensorScope.Begin())
        {
            // Any call loads the shim, and with it libtorch and its BLAS.
            Assert.Equal(6f, (Tensor.Ones([2, 3]).Sum()).ToSingle());
        }
        var expected = OpenBlasCoreType.ForThisCpu();
        if (expected is null)
        {
            Assert.Skip("this CPU has neither AVX-512 nor AVX2: OpenBLAS's own choice stands");
        }
        if (!NativeLibrary.TryLoad("libblas.so.3", out var blas))
        {
            Assert.Skip("no libblas.so.3 in this process");
        }
        try
        {
            if (!NativeLibrary.TryGetExport(blas, "openblas_get_corename", out var corename))
            {
                Assert.Skip("the BLAS libtorch loaded is not OpenBLAS");
            }
            var core = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)corename)()) ?? "";
            // A core set by the user before the process started is theirs to choose.
            var preset = Environment.GetEnvironmentVariable(OpenBlasCoreType.Variable) is { Length: > 0 } value && value != expected;
            Assert.Equal(preset ? Environment.GetEnvironmentVariable(OpenBlasCoreType.Variable) : expected, core, ignoreCase: true);
        }
        finally
        {
            NativeLibrary.Free(blas);
        }
    }
}
