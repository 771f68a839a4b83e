namespace Distill.Training.Evaluation;

/// <summary>A continuation a model wrote for a prompt.</summary>
/// <param name="Prompt">The prompt text.</param>
/// <param name="Strategy">How tokens were chosen (<see cref="SamplingOptions.Describe"/>).</param>
/// <param name="Continuation">The decoded new tokens (special tokens skipped).</param>
/// <param name="NewTokens">How many tokens were generated (the stop token not counted).</param>
/// <param name="StoppedAtEos">True when generation ended at an end-of-text token rather than the token limit.</param>
public sealed record TextSample(string Prompt, string Strategy, string Continuation, int NewTokens, bool StoppedAtEos);
