using System.Diagnostics;
using Distill.Torch;
using Distill.Torch.Nn;

namespace Distill.Training.Distillation;

/// <summary>
/// TED's task-aware filter g: R^d → R^{d_f}, applied token-wise to one layer's hidden states. Linear by default
/// (g(h) = W h + b; parameters <c>weight</c> [d_f, d] and <c>bias</c>); nonlinear, it is
/// g(h) = W₂ GELU(W₁ h + b₁) + b₂ with <c>dense</c> (d → d) and <c>proj</c> (d → d_f), GELU being the exact (erf) form
/// of TED's DeBERTa models. Initialised as PyTorch's nn.Linear (uniform ±1/√in), as the authors'.
/// </summary>
public sealed class TaskAwareFilter : Module
{
    private readonly Tensor? _weight;
    private readonly Tensor? _bias;
    private readonly Linear? _dense;
    private readonly Linear? _proj;

    public TaskAwareFilter(long inputWidth, long filterWidth, bool nonlinear = false, Device? device = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(filterWidth, 1);
        InputWidth = inputWidth;
        FilterWidth = filterWidth;
        IsNonlinear = nonlinear;
        if (nonlinear)
        {
            _dense = RegisterModule("dense", new Linear(inputWidth, inputWidth, bias: true, device, generator));
            _proj = RegisterModule("proj", new Linear(inputWidth, filterWidth, bias: true, device, generator));
        }
        else
        {
            var dev = device ?? Device.Cpu;
            var bound = 1.0 / Math.Sqrt(inputWidth);
            _weight = RegisterParameter("weight", Tensor.Empty([filterWidth, inputWidth], DType.Float32, dev));
            _bias = RegisterParameter("bias", Tensor.Empty([filterWidth], DType.Float32, dev));
            Init.Uniform(_weight, -bound, bound, generator);
            Init.Uniform(_bias, -bound, bound, generator);
        }
    }

    public long InputWidth { get; }

    public long FilterWidth { get; }

    public bool IsNonlinear { get; }

    /// <summary>Filters hidden states [..., d] into [..., d_f].</summary>
    public Tensor Forward(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (hidden.Size(-1) != InputWidth)
        {
            throw new ArgumentException($"the filter takes {InputWidth} features but the states [{string.Join(", ", hidden.Shape)}] have {hidden.Size(-1)}", nameof(hidden));
        }
        if (_dense is not null && _proj is not null)
        {
            return _proj.Forward(_dense.Forward(hidden).Gelu());
        }
        return Functional.Linear(hidden, _weight ?? throw new UnreachableException("a linear filter has a weight"), _bias);
    }
}
