namespace Distill.Training.Evaluation;

/// <summary>The tokens a model generated after a prompt.</summary>
/// <param name="TokenIds">The new token ids, without the prompt and without the stop token.</param>
/// <param name="StoppedAtStopToken">True when a stop token ended generation before the token limit.</param>
public sealed record GenerationResult(IReadOnlyList<int> TokenIds, bool StoppedAtStopToken);
