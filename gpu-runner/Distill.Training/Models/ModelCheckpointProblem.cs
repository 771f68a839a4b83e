namespace Distill.Training.Models;

/// <summary>One way a checkpoint's tensors do not fit its model: the file, the tensor (as named in the file) and what is wrong.</summary>
public sealed record ModelCheckpointProblem(string FilePath, string TensorName, string Problem)
{
    public override string ToString() => $"{FilePath}: tensor '{TensorName}': {Problem}";
}
