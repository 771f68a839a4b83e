namespace Distill.Training.Trainers;

/// <summary>Random-generator states (base64 in JSON): the dropout generator's and the devices' default ones.</summary>
public sealed record RandomStates
{
    public required byte[] Dropout { get; init; }

    public required byte[] Cpu { get; init; }

    /// <summary>The training device's default CUDA generator, when training on CUDA.</summary>
    public byte[]? Cuda { get; init; }
}
