namespace Distill.Torch.Optim;

/// <summary>
/// AdamW with decoupled weight decay and per-parameter decay (parameter groups), as torch.optim.AdamW. One native
/// call updates every parameter. The moments are named after their parameters, for checkpoints. Parameters without a
/// gradient are skipped; unlike torch.optim.AdamW, which counts steps per parameter, the step count behind the bias
/// correction is the optimizer's, so a parameter that missed steps is corrected as if it had not.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;
    private readonly double[] _weightDecay;

    /// <param name="parameters">Named parameters with their weight decay.</param>
    public AdamW(IEnumerable<(string Name, Tensor Parameter, double WeightDecay)> parameters, double learningRate,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        if (list.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != list.Count)
        {
            throw new ArgumentException("parameter names must be unique", nameof(parameters));
        }
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), "betas must be in [0, 1)");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        Names = list.Select(p => p.Name).ToArray();
        _parameters = list.Select(p => p.Parameter).ToArray();
        _weightDecay = list.Select(p => p.WeightDecay).ToArray();
        _expAvg = _parameters.Select(p => p.ZerosLike().DetachFromScope()).ToArray();
        _expAvgSq = _parameters.Select(p => p.ZerosLike().DetachFromScope()).ToArray();
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    /// <summary>
    /// The usual grouping (nanoGPT's): weight decay on matrices and embeddings (rank ≥ 2), none on biases and norm
    /// scales. Frozen parameters are left out.
    /// </summary>
    public static AdamW ForModule(Nn.Module module, double learningRate, double weightDecay, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(module);
        var parameters = module.NamedParameters()
            .Where(p => p.Value.RequiresGrad)
            .Select(p => (p.Key, p.Value, p.Value.Rank >= 2 ? weightDecay : 0.0));
        return new AdamW(parameters, learningRate, beta1, beta2, eps);
    }

    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<Tensor> Parameters => _parameters;

    public double LearningRate { get; set; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    /// <summary>Updates done so far.</summary>
    public long StepCount { get; private set; }

    public unsafe void Step()
    {
        var step = StepCount + 1;
        using var parameters = new Tensor.HandleList(_parameters);
        using var expAvg = new Tensor.HandleList(_expAvg);
        using var expAvgSq = new Tensor.HandleList(_expAvgSq);
        fixed (nint* p = parameters.Raw)
        fixed (nint* m = expAvg.Raw)
        fixed (nint* v = expAvgSq.Raw)
        fixed (double* wd = _weightDecay)
        {
            TorchException.Check(Native.NativeMethods.dt_adamw_step(p, m, v, _parameters.Length, LearningRate, Beta1, Beta2, Eps, wd, step));
        }
        StepCount = step;
    }

    public void ZeroGrad() => Tensor.ZeroGrad(_parameters);

    /// <summary>The moments by name (<c>{name}.exp_avg</c>, <c>{name}.exp_avg_sq</c>): live handles for saving.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < Names.Count; i++)
        {
            state[Names[i] + ".exp_avg"] = _expAvg[i];
            state[Names[i] + ".exp_avg_sq"] = _expAvgSq[i];
        }
        return state;
    }

    /// <summary>Restores the moments and the step count; every moment must be present with the right shape.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        var problems = new List<string>();
        foreach (var (name, target) in StateDict())
        {
            if (!state.TryGetValue(name, out var source))
            {
                problems.Add($"missing optimizer state '{name}'");
            }
            else if (!source.Shape.SequenceEqual(target.Shape))
            {
                problems.Add($"optimizer state '{name}' has shape [{string.Join(", ", source.Shape)}], expected [{string.Join(", ", target.Shape)}]");
            }
        }
        if (problems.Count > 0)
        {
            throw new InvalidDataException("the optimizer state does not fit: " + string.Join("; ", problems));
        }
        using var noGrad = TorchRuntime.NoGrad();
        foreach (var (name, target) in StateDict())
        {
            target.CopyFrom(state[name]);
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var t in _expAvg.Concat(_expAvgSq))
        {
            t.Dispose();
        }
    }
}
