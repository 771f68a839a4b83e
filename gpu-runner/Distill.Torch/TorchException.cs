using System.Runtime.InteropServices;
using Distill.Torch.Native;

namespace Distill.Torch;

/// <summary>An error reported by libtorch (a shape mismatch, a bad index, a tensor on the wrong device).</summary>
public class TorchException : Exception
{
    public TorchException()
    {
    }

    public TorchException(string message)
        : base(message)
    {
    }

    public TorchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The shim's status code for the failure.</summary>
    public int Status { get; init; }

    internal static TorchException FromStatus(int status)
    {
        var message = Marshal.PtrToStringUTF8(NativeMethods.dt_last_error()) ?? "unknown libtorch error";
        return status switch
        {
            2 => new TorchOutOfMemoryException(message) { Status = status },
            4 => new TorchNotSupportedException(message) { Status = status },
            _ => new TorchException(message) { Status = status },
        };
    }

    internal static void Check(int status)
    {
        if (status != 0)
        {
            throw FromStatus(status);
        }
    }
}
