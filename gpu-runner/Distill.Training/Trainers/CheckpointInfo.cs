namespace Distill.Training.Trainers;

/// <summary>A stored checkpoint: the step it was taken after and its name in the store.</summary>
public sealed record CheckpointInfo(long Step, string Name);
