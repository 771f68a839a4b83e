using Distill.Contracts.Models;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>
/// Rotary position embedding in the half-split ("rotate_half") convention of Hugging Face Llama, with the default,
/// linear and llama3 frequency schedules. The cos/sin tables are cached up to the longest sequence seen, on the
/// device of the last request (they follow the model when its parameters move).
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly float[] _inverseFrequencies;
    private Tensor? _cos;
    private Tensor? _sin;

    public RotaryEmbedding(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _inverseFrequencies = InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
    }

    /// <summary>The per-pair frequencies θ^(−2i/d), rescaled as the config says.</summary>
    public static float[] InverseFrequencies(int headDim, double theta, RopeScaling scaling)
    {
        ArgumentNullException.ThrowIfNull(scaling);
        var result = new float[headDim / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var frequency = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
            result[i] = (float)(scaling.Type switch
            {
                "linear" => frequency / scaling.Factor,
                "llama3" => Llama3(frequency, scaling),
                _ => frequency,
            });
        }
        return result;
    }

    // Llama 3.1: long wavelengths divided by the factor, short ones kept, a smooth blend between.
    private static double Llama3(double frequency, RopeScaling s)
    {
        var lowFrequencyWavelength = s.OriginalMaxPositions / s.LowFreqFactor;
        var highFrequencyWavelength = s.OriginalMaxPositions / s.HighFreqFactor;
        var wavelength = 2 * Math.PI / frequency;
        if (wavelength < highFrequencyWavelength)
        {
            return frequency;
        }
        if (wavelength > lowFrequencyWavelength)
        {
            return frequency / s.Factor;
        }
        var smooth = (s.OriginalMaxPositions / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        return (1 - smooth) * frequency / s.Factor + smooth * frequency;
    }

    /// <summary>cos and sin tables [T, D] on <paramref name="device"/> for positions 0..T-1 (views of the cache).</summary>
    public (Tensor Cos, Tensor Sin) Tables(long length, Device device)
    {
        if (_cos is null || _sin is null || _cos.Size(0) < length || _cos.Device != device)
        {
            Build(Math.Max(length, 256), device);
        }
        return (_cos!.Narrow(0, 0, length), _sin!.Narrow(0, 0, length));
    }

    private void Build(long length, Device device)
    {
        _cos?.Dispose();
        _sin?.Dispose();
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        var positions = Tensor.Arange(0, length, 1, DType.Float32, device);
        var frequencies = positions.Outer(Tensor.FromArray(_inverseFrequencies).To(device));
        var angles = Tensor.Cat([frequencies, frequencies], -1);
        _cos = angles.Cos().DetachFromScope();
        _sin = angles.Sin().DetachFromScope();
    }

    /// <summary>x·cos + rotate_half(x)·sin for x [B, H, T, D].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(cos);
        ArgumentNullException.ThrowIfNull(sin);
        var half = x.Size(-1) / 2;
        var rotated = Tensor.Cat([-x.Narrow(-1, half, half), x.Narrow(-1, 0, half)], -1);
        return x * cos.To(x.DType) + rotated * sin.To(x.DType);
    }

    public void Dispose()
    {
        _cos?.Dispose();
        _sin?.Dispose();
    }
}
