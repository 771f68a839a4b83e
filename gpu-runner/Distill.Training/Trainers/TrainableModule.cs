using Distill.Torch.Nn;

namespace Distill.Training.Trainers;

/// <summary>A module that trains, saved in checkpoints with its parameters named <c>{Prefix}.{name}</c>.</summary>
public sealed record TrainableModule(string Prefix, Module Module);
