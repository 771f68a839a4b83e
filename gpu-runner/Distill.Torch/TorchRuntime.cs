using System.Runtime.InteropServices;
using Distill.Torch.Native;

namespace Distill.Torch;

/// <summary>Process-wide libtorch control: versions, threads, devices, seeds, grad mode and diagnostics.</summary>
public static class TorchRuntime
{
    /// <summary>libtorch's version string, e.g. "1.13.1".</summary>
    public static string Version => Marshal.PtrToStringUTF8(NativeMethods.dt_torch_version()) ?? "";

    /// <summary>libtorch's build configuration (BLAS, OpenMP, CUDA).</summary>
    public static string BuildInfo
    {
        get
        {
            TorchException.Check(NativeMethods.dt_build_info(out var info));
            return Marshal.PtrToStringUTF8(info) ?? "";
        }
    }

    /// <summary>libtorch's intra-op threads; all cores by default, or DISTILL_THREADS.</summary>
    public static int Threads
    {
        get
        {
            TorchException.Check(NativeMethods.dt_get_num_threads(out var n));
            return n;
        }
        set => TorchException.Check(NativeMethods.dt_set_num_threads(value));
    }

    public static int CudaDeviceCount
    {
        get
        {
            TorchException.Check(NativeMethods.dt_cuda_device_count(out var n));
            return n;
        }
    }

    public static bool IsCudaAvailable => CudaDeviceCount > 0;

    public static void CudaSynchronize(int device = 0) => TorchException.Check(NativeMethods.dt_cuda_synchronize(device));

    /// <summary>Allocated, reserved and peak allocated bytes of a CUDA device (CUDA builds only).</summary>
    public static (long Allocated, long Reserved, long PeakAllocated) CudaMemory(int device = 0)
    {
        TorchException.Check(NativeMethods.dt_cuda_memory(device, out var allocated, out var reserved, out var peak));
        return (allocated, reserved, peak);
    }

    /// <summary>Seeds the default generators of every device.</summary>
    public static void ManualSeed(ulong seed) => TorchException.Check(NativeMethods.dt_manual_seed(seed));

    /// <summary>Native tensors alive in the process; flat across training steps when nothing leaks.</summary>
    public static long LiveTensorCount => NativeMethods.dt_live_tensor_count();

    public static bool IsGradEnabled
    {
        get
        {
            TorchException.Check(NativeMethods.dt_is_grad_enabled(out var enabled));
            return enabled != 0;
        }
    }

    /// <summary>Stops autograd recording on this thread until disposed.</summary>
    public static GradMode NoGrad() => new(false);

    /// <summary>Turns autograd recording on (inside a no-grad region) until disposed.</summary>
    public static GradMode EnableGrad() => new(true);
}
