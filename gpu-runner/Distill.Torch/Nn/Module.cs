namespace Distill.Torch.Nn;

/// <summary>
/// A tree of named parameters, buffers and sub-modules. Names compose with dots, so a parameter's full name is its
/// checkpoint key (<c>transformer.h.3.attn.c_attn.weight</c>). Parameters and buffers belong to the module and
/// live outside every <see cref="TensorScope"/>; disposing the module frees them.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _children = [];
    private bool _disposed;

    /// <summary>True in training mode (dropout active); see <see cref="Train"/> and <see cref="Eval"/>.</summary>
    public bool IsTraining { get; private set; } = true;

    protected Tensor RegisterParameter(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckName(name);
        value.DetachFromScope();
        value.RequiresGrad = true;
        _parameters.Add(new(name, value));
        return value;
    }

    /// <summary>A tensor that is part of the module's state but is not trained (saved unless not persistent).</summary>
    protected Tensor RegisterBuffer(string name, Tensor value, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckName(name);
        value.DetachFromScope();
        _buffers.Add(new(persistent ? name : "~" + name, value));
        return value;
    }

    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name);
        _children.Add(new(name, module));
        return module;
    }

    private void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' contains a dot; register a sub-module instead", nameof(name));
        }
        if (_parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Key.TrimStart('~') == name) || _children.Any(c => c.Key == name))
        {
            throw new ArgumentException($"'{name}' is already registered on {GetType().Name}", nameof(name));
        }
    }

    /// <summary>Every parameter with its full dotted name, depth first in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters(string prefix = "")
    {
        foreach (var (name, parameter) in _parameters)
        {
            yield return new(prefix + name, parameter);
        }
        foreach (var (name, child) in _children)
        {
            foreach (var entry in child.NamedParameters(prefix + name + "."))
            {
                yield return entry;
            }
        }
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>Persistent buffers with their full names.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers(string prefix = "")
    {
        foreach (var (name, buffer) in _buffers)
        {
            if (!name.StartsWith('~'))
            {
                yield return new(prefix + name, buffer);
            }
        }
        foreach (var (name, child) in _children)
        {
            foreach (var entry in child.NamedBuffers(prefix + name + "."))
            {
                yield return entry;
            }
        }
    }

    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        foreach (var (name, child) in _children)
        {
            yield return new(prefix + name, child);
            foreach (var entry in child.NamedModules(prefix + name + "."))
            {
                yield return entry;
            }
        }
    }

    /// <summary>The number of parameter elements (only those that train, if asked).</summary>
    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(p => p.NumElements);

    public void Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children)
        {
            child.Train(training);
        }
    }

    public void Eval() => Train(false);

    /// <summary>Stops (or restarts) gradient computation for every parameter of this module.</summary>
    public void Freeze(bool frozen = true)
    {
        foreach (var parameter in Parameters())
        {
            parameter.RequiresGrad = !frozen;
        }
    }

    /// <summary>Moves or converts every parameter and buffer in place (integer buffers keep their dtype).</summary>
    public void To(Device device, DType? dtype = null)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        foreach (var tensor in Parameters().Concat(AllBuffers()))
        {
            var target = dtype.HasValue && tensor.DType.IsFloatingPoint() ? dtype.Value : tensor.DType;
            if (tensor.Device != device || tensor.DType != target)
            {
                tensor.SetData(tensor.To(target, device));
            }
        }
    }

    private IEnumerable<Tensor> AllBuffers() =>
        _buffers.Select(b => b.Value).Concat(_children.SelectMany(c => c.Value.AllBuffers()));

    /// <summary>Parameters and persistent buffers by full name (handles on the live tensors, not copies).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in NamedParameters().Concat(NamedBuffers()))
        {
            result[name] = tensor;
        }
        return result;
    }

    /// <summary>
    /// Copies values into the parameters and buffers by name (converting dtype and device). In strict mode any
    /// missing or unexpected name fails, with every problem listed; a shape mismatch always fails.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> values, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(values);
        var own = StateDict();
        var problems = new List<string>();
        foreach (var (name, target) in own)
        {
            if (!values.TryGetValue(name, out var source))
            {
                if (strict)
                {
                    problems.Add($"missing tensor '{name}'");
                }
                continue;
            }
            if (!source.Shape.SequenceEqual(target.Shape))
            {
                problems.Add($"tensor '{name}' has shape [{string.Join(", ", source.Shape)}] but the model expects [{string.Join(", ", target.Shape)}]");
            }
        }
        if (strict)
        {
            problems.AddRange(values.Keys.Where(k => !own.ContainsKey(k)).Order(StringComparer.Ordinal).Select(k => $"unexpected tensor '{k}'"));
        }
        if (problems.Count > 0)
        {
            throw new InvalidDataException("the state does not fit the model: " + string.Join("; ", problems));
        }
        using var noGrad = TorchRuntime.NoGrad();
        foreach (var (name, target) in own)
        {
            if (values.TryGetValue(name, out var source))
            {
                target.CopyFrom(source);
            }
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }
        _disposed = true;
        foreach (var (_, parameter) in _parameters)
        {
            parameter.Dispose();
        }
        foreach (var (_, buffer) in _buffers)
        {
            buffer.Dispose();
        }
        foreach (var (_, child) in _children)
        {
            child.Dispose();
        }
    }
}
