namespace Distill.Reports;

/// <summary>The training loss after <paramref name="Step"/> steps, the learning rate the step used, and the validation loss when one was computed then.</summary>
public sealed record TrainingHistoryPoint(long Step, double Loss, double LearningRate, double? ValidationLoss = null);
