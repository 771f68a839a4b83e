using Distill.Torch.Native;

namespace Distill.Torch;

public sealed partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor. Set it on leaves (parameters).</summary>
    public bool RequiresGrad
    {
        get
        {
            TorchException.Check(NativeMethods.dt_tensor_info(Handle, out _, out _, out _, out var requiresGrad));
            return requiresGrad != 0;
        }
        set => TorchException.Check(NativeMethods.dt_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>True for tensors created by the user rather than by a recorded operation.</summary>
    public bool IsLeaf
    {
        get
        {
            TorchException.Check(NativeMethods.dt_tensor_is_leaf(Handle, out var value));
            return value != 0;
        }
    }

    /// <summary>The accumulated gradient (a new handle on it), or null when none has been computed.</summary>
    public Tensor? Grad
    {
        get
        {
            var status = NativeMethods.dt_grad(Handle, out var h);
            if (status == 0 && h.IsInvalid)
            {
                h.Dispose();
                return null;
            }
            return Wrap(status, h);
        }
    }

    /// <summary>Replaces the gradient; null removes it.</summary>
    public void SetGrad(Tensor? grad) => TorchException.Check(NativeMethods.dt_set_grad(Handle, HandleOf(grad)));

    /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        TorchException.Check(NativeMethods.dt_backward(Handle, HandleOf(gradient), retainGraph ? 1 : 0));

    /// <summary>The same data, cut off from the autograd graph.</summary>
    public Tensor Detach() => Wrap(NativeMethods.dt_detach(Handle, out var h), h);

    /// <summary>A second handle on the same tensor, with its own lifetime.</summary>
    public Tensor Alias() => Wrap(NativeMethods.dt_alias(Handle, out var h), h);

    public Tensor Clone() => Wrap(NativeMethods.dt_clone(Handle, out var h), h);

    /// <summary>Removes the gradients of every tensor (sets them to none, as PyTorch's zero_grad does).</summary>
    public static unsafe void ZeroGrad(ReadOnlySpan<Tensor> parameters)
    {
        using var handles = new HandleList(parameters);
        fixed (nint* p = handles.Raw)
        {
            TorchException.Check(NativeMethods.dt_zero_grad(p, parameters.Length));
        }
    }

    /// <summary>
    /// Replaces this tensor's data with <paramref name="data"/>'s (possibly of another dtype or device), keeping the
    /// tensor's identity: how a module moves its parameters without replacing them.
    /// </summary>
    public void SetData(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TorchException.Check(NativeMethods.dt_set_data(Handle, data.Handle));
        _shape = null;
    }

    // ---- conversion ----
    public Tensor To(Device device) => Wrap(NativeMethods.dt_to(Handle, -1, device.Code, 0, out var h), h);

    public Tensor To(DType dtype) => Wrap(NativeMethods.dt_to(Handle, (int)dtype, Device.Code, 0, out var h), h);

    public Tensor To(DType dtype, Device device, bool copy = false) => Wrap(NativeMethods.dt_to(Handle, (int)dtype, device.Code, copy ? 1 : 0, out var h), h);

    public Tensor ToFloat32() => To(DType.Float32);
}
