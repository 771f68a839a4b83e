using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>Llama's gated MLP (SwiGLU): down(act(gate(x)) · up(x)).</summary>
public sealed class LlamaMlp : Module
{
    private readonly string _activation;

    public LlamaMlp(ModelConfig config, Device device)
    {
        _activation = config.Activation;
        GateProj = RegisterModule("gate_proj", new Linear(config.HiddenSize, config.IntermediateSize, config.MlpBias, device, initialize: false));
        UpProj = RegisterModule("up_proj", new Linear(config.HiddenSize, config.IntermediateSize, config.MlpBias, device, initialize: false));
        DownProj = RegisterModule("down_proj", new Linear(config.IntermediateSize, config.HiddenSize, config.MlpBias, device, initialize: false));
    }

    public Linear GateProj { get; }

    public Linear UpProj { get; }

    public Linear DownProj { get; }

    public Tensor Forward(Tensor x) => DownProj.Forward(Activations.Apply(_activation, GateProj.Forward(x)) * UpProj.Forward(x));
}
