namespace Distill.Torch.Tests.Memory;

/// <summary>
/// Tests that read the process-wide live-tensor count run alone: tensors that other tests create in parallel
/// would move the count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "LiveTensorCount";
}
