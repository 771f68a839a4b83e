using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>GPT-2's MLP: Conv1D up, activation (gelu_new by default), Conv1D down.</summary>
public sealed class Gpt2Mlp : Module
{
    private readonly string _activation;

    public Gpt2Mlp(ModelConfig config, Device device)
    {
        _activation = config.Activation;
        CFc = RegisterModule("c_fc", new Conv1D(config.HiddenSize, config.IntermediateSize, device));
        CProj = RegisterModule("c_proj", new Conv1D(config.IntermediateSize, config.HiddenSize, device));
    }

    public Conv1D CFc { get; }

    public Conv1D CProj { get; }

    public Tensor Forward(Tensor x) => CProj.Forward(Activations.Apply(_activation, CFc.Forward(x)));
}
