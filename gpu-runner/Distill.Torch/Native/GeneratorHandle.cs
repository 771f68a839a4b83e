using System.Runtime.InteropServices;

namespace Distill.Torch.Native;

/// <summary>Owns a native random-number generator.</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    /// <summary>Stands for the device's default generator.</summary>
    internal static readonly GeneratorHandle Default = new();

    public GeneratorHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dt_generator_free(handle);
        return true;
    }
}
