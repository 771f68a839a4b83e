using Distill.Torch;
using Distill.Torch.Nn;

namespace Distill.Training.Distillation;

/// <summary>
/// Learned student → teacher projections, one Linear d_s → d_t (with bias, randomly initialised as nn.Linear) per
/// matched layer, named <c>projections.{k}.weight</c> and <c>.bias</c>: TED's layer-wise distillation baseline (LWD),
/// and the feature projections of feature alignment. Trained with the student.
/// </summary>
public sealed class LayerProjectionSet : Module
{
    public LayerProjectionSet(int count, long studentWidth, long teacherWidth, Device? device = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Projections = RegisterModule("projections", new ModuleList<Linear>(
            Enumerable.Range(0, count).Select(_ => new Linear(studentWidth, teacherWidth, bias: true, device, generator)).ToArray()));
    }

    public ModuleList<Linear> Projections { get; }

    public int Count => Projections.Count;

    /// <summary>Projection <paramref name="index"/> (0-based, the matched pair's position).</summary>
    public Linear this[int index] => Projections[index];

    public Tensor Forward(int index, Tensor studentHidden) => Projections[index].Forward(studentHidden);
}
