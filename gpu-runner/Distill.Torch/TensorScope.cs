namespace Distill.Torch;

/// <summary>
/// Disposes, when it ends, every tensor created on this thread while it was the innermost scope, except those
/// moved out. Wrap a training step in one and the step leaks nothing:
/// <code>using (TensorScope.Begin()) { var loss = model.Loss(batch); loss.Backward(); optimizer.Step(); }</code>
/// Scopes nest and are strictly per thread; end them in the reverse order of beginning.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? t_current;

    private readonly TensorScope? _outer;
    private readonly int _threadId;
    private List<Tensor> _owned = [];
    private bool _disposed;

    private TensorScope()
    {
        _outer = t_current;
        _threadId = Environment.CurrentManagedThreadId;
        t_current = this;
    }

    public static TensorScope Begin() => new();

    /// <summary>The innermost scope of this thread, if any.</summary>
    public static TensorScope? Current => t_current;

    /// <summary>How many tensors this scope will dispose.</summary>
    public int Count => _owned.Count(t => t.Scope == this && !t.IsDisposed);

    internal TensorScope? Outer => _outer;

    internal static void Register(Tensor tensor)
    {
        var scope = t_current;
        if (scope is not null)
        {
            tensor.Scope = scope;
            scope._owned.Add(tensor);
        }
    }

    internal void Adopt(Tensor tensor)
    {
        tensor.Scope = this;
        _owned.Add(tensor);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException("a TensorScope must end on the thread that began it");
        }
        if (!ReferenceEquals(t_current, this))
        {
            throw new InvalidOperationException("TensorScopes must end in the reverse order of beginning: an inner scope is still open");
        }
        _disposed = true;
        t_current = _outer;
        var owned = _owned;
        _owned = [];
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            var tensor = owned[i];
            if (ReferenceEquals(tensor.Scope, this))
            {
                tensor.Scope = null;
                tensor.Dispose();
            }
        }
    }
}
