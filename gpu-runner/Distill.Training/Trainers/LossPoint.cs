namespace Distill.Training.Trainers;

/// <summary>
/// One point of the loss curve: the training loss of step <see cref="Step"/> (1-based: steps done), the learning rate
/// it used, and the validation loss when it was evaluated after that step.
/// </summary>
public sealed record LossPoint(long Step, double Loss, double LearningRate, double? ValidationLoss);
