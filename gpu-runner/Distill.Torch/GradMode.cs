using Distill.Torch.Native;

namespace Distill.Torch;

/// <summary>A region with autograd recording on or off; disposing restores the previous mode (per thread).</summary>
public readonly struct GradMode : IDisposable
{
    private readonly int _previous;

    internal GradMode(bool enabled) => TorchException.Check(NativeMethods.dt_set_grad_enabled(enabled ? 1 : 0, out _previous));

    public void Dispose() => TorchException.Check(NativeMethods.dt_set_grad_enabled(_previous, out _));
}
