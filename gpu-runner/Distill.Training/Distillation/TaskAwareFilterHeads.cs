using Distill.Torch;
using Distill.Torch.Nn;

namespace Distill.Training.Distillation;

/// <summary>
/// TED Stage I's per-filter LM heads h^k: Linear d_f → V without bias (named <c>heads.{k}.weight</c>), kept apart from
/// the filters so they can be dropped after Stage I. Each starts as the model's own head W [V, d]: when d_f = d it is a
/// copy of W; otherwise its first min(d, d_f) input columns are W's first columns and the others are zero, i.e. the
/// model's head reading the first coordinates of the filter space, and Stage I learns the rest.
/// </summary>
public sealed class TaskAwareFilterHeads : Module
{
    public TaskAwareFilterHeads(int count, long filterWidth, Tensor modelHeadWeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(filterWidth, 1);
        ArgumentNullException.ThrowIfNull(modelHeadWeight);
        if (modelHeadWeight.Rank != 2)
        {
            throw new ArgumentException($"the model's head weight must be [V, d], got [{string.Join(", ", modelHeadWeight.Shape)}]", nameof(modelHeadWeight));
        }
        FilterWidth = filterWidth;
        VocabularySize = modelHeadWeight.Size(0);
        var modelWidth = modelHeadWeight.Size(1);
        var shared = Math.Min(modelWidth, filterWidth);
        Heads = RegisterModule("heads", new ModuleList<Linear>(Enumerable.Range(0, count)
            .Select(_ => new Linear(filterWidth, VocabularySize, bias: false, modelHeadWeight.Device, initialize: false)).ToArray()));
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        foreach (var head in Heads)
        {
            head.Weight.Zero();
            head.Weight.Narrow(1, 0, shared).CopyFrom(modelHeadWeight.Narrow(1, 0, shared));
        }
    }

    public ModuleList<Linear> Heads { get; }

    public long FilterWidth { get; }

    public long VocabularySize { get; }

    /// <summary>Head <paramref name="index"/>'s logits [..., V] for filtered states [..., d_f].</summary>
    public Tensor Logits(int index, Tensor filtered) => Heads[index].Forward(filtered);
}
