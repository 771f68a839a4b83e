using Distill.Torch;
using Distill.Torch.Nn;

namespace Distill.Training.Distillation;

/// <summary>
/// One model's K task-aware filters, filter k (0-based) sitting after layer (k+1)·I of that model
/// (<see cref="TedIntervals"/>). Parameters are named <c>filters.{k}.weight</c>, <c>filters.{k}.bias</c> (or
/// <c>filters.{k}.dense.*</c> and <c>filters.{k}.proj.*</c> when nonlinear). Stage I trains them with the backbone
/// frozen; Stage II freezes the teacher's and trains the student's.
/// </summary>
public sealed class TaskAwareFilterSet : Module
{
    public TaskAwareFilterSet(int count, long inputWidth, long filterWidth, bool nonlinear = false, Device? device = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        InputWidth = inputWidth;
        FilterWidth = filterWidth;
        IsNonlinear = nonlinear;
        Filters = RegisterModule("filters", new ModuleList<TaskAwareFilter>(
            Enumerable.Range(0, count).Select(_ => new TaskAwareFilter(inputWidth, filterWidth, nonlinear, device, generator)).ToArray()));
    }

    public ModuleList<TaskAwareFilter> Filters { get; }

    public int Count => Filters.Count;

    public long InputWidth { get; }

    public long FilterWidth { get; }

    public bool IsNonlinear { get; }

    /// <summary>Filter <paramref name="index"/> (0-based) applied to that layer's hidden states [..., d] → [..., d_f].</summary>
    public Tensor Forward(int index, Tensor hidden) => Filters[index].Forward(hidden);
}
