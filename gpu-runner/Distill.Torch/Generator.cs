using Distill.Torch.Native;

namespace Distill.Torch;

/// <summary>A seeded random-number generator; its state can be saved and restored for exact resumption.</summary>
public sealed class Generator : IDisposable
{
    private readonly GeneratorHandle _handle;

    public Generator(ulong seed, Device? device = null)
    {
        Device = device ?? Device.Cpu;
        TorchException.Check(NativeMethods.dt_generator_new(seed, Device.Code, out _handle));
    }

    public Device Device { get; }

    internal static GeneratorHandle HandleOf(Generator? generator) => generator is null ? GeneratorHandle.Default : generator._handle;

    /// <summary>The generator's full state as bytes.</summary>
    public byte[] GetState() => GetState(this, Device);

    public void SetState(byte[] state) => SetState(this, Device, state);

    /// <summary>The state of the device's default generator (used by operations given no generator).</summary>
    public static byte[] GetDefaultState(Device device) => GetState(null, device);

    public static void SetDefaultState(Device device, byte[] state) => SetState(null, device, state);

    private static byte[] GetState(Generator? generator, Device device)
    {
        var status = NativeMethods.dt_generator_get_state(HandleOf(generator), device.Code, out var h);
        using var tensor = Tensor.Wrap(status, h).DetachFromScope();
        return tensor.ToBytes();
    }

    private static void SetState(Generator? generator, Device device, byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var tensor = Tensor.FromSpan<byte>(state, [state.LongLength]).DetachFromScope();
        TorchException.Check(NativeMethods.dt_generator_set_state(HandleOf(generator), device.Code, tensor.Handle));
    }

    public void Dispose() => _handle.Dispose();
}
