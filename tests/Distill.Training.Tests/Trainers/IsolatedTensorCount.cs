namespace Distill.Training.Tests.Trainers;

/// <summary>Tests that run alone: the live-tensor count is process-wide, so other tests' tensors would blur it.</summary>
[CollectionDefinition(nameof(IsolatedTensorCount), DisableParallelization = true)]
public sealed class IsolatedTensorCount;
