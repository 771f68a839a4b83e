using System.Runtime.InteropServices;

namespace Distill.Torch.Native;

/// <summary>Owns one reference to a native tensor; releasing it drops that reference.</summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>The handle passed for an absent optional tensor (a missing bias, no mask).</summary>
    internal static readonly TensorHandle Null = new();

    // The marshaller creates handles through this constructor (required public since .NET 8).
    public TensorHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dt_tensor_free(handle);
        return true;
    }
}
