namespace Distill.Torch;

/// <summary>Where a tensor lives: the CPU, or CUDA device n.</summary>
public readonly record struct Device
{
    private Device(int code) => Code = code;

    public static Device Cpu { get; } = new(-1);

    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new(index);
    }

    /// <summary>The shim's device code: -1 for the CPU, n for cuda:n.</summary>
    internal int Code { get; }

    public bool IsCuda => Code >= 0;

    public int Index => Code < 0 ? 0 : Code;

    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim().ToLowerInvariant();
        if (value == "cpu")
        {
            return Cpu;
        }
        if (value == "cuda")
        {
            return Cuda(0);
        }
        if (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value.AsSpan(5), out var index) && index >= 0)
        {
            return Cuda(index);
        }
        throw new FormatException($"'{text}' is not a device: use cpu, cuda or cuda:N");
    }

    /// <summary>CUDA when a device is present, otherwise the CPU.</summary>
    public static Device Best => TorchRuntime.CudaDeviceCount > 0 ? Cuda(0) : Cpu;

    internal static Device FromCode(int code) => new(code);

    public override string ToString() => Code < 0 ? "cpu" : $"cuda:{Code}";
}
