using Distill.Torch.Native;

namespace Distill.Torch;

/// <summary>
/// Mixed precision: inside the region eligible operations run in <see cref="DType"/> (bf16 on CUDA). Losses and
/// normalisation stay in fp32 by construction; run backward outside the region.
/// </summary>
public readonly struct Autocast : IDisposable
{
    private readonly long _token;
    private readonly bool _active;

    private Autocast(Device device, DType dtype)
    {
        TorchException.Check(NativeMethods.dt_autocast_enter(device.IsCuda ? 1 : 0, (int)dtype, out _token));
        _active = true;
    }

    /// <summary>Enters autocast when <paramref name="enabled"/>; otherwise returns a region that does nothing.</summary>
    public static Autocast Enter(Device device, DType dtype = DType.BFloat16, bool enabled = true) =>
        enabled ? new Autocast(device, dtype) : default;

    public void Dispose()
    {
        if (_active)
        {
            TorchException.Check(NativeMethods.dt_autocast_exit(_token));
        }
    }
}
