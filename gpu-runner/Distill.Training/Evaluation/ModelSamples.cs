namespace Distill.Training.Evaluation;

/// <summary>The continuations one model wrote, for every prompt and strategy.</summary>
public sealed record ModelSamples(string Model, IReadOnlyList<TextSample> Samples);
