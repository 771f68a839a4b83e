namespace Distill.Cli.Commands;

/// <summary>One model in the demo's result: its size, its numbers on the validation blocks, and its folder.</summary>
/// <param name="Bytes">The size of its weights (model.safetensors) on disk.</param>
/// <param name="TokensPerSecond">Forward tokens per second in the evaluation.</param>
internal sealed record DemoModelSummary(long Parameters, long Bytes, double Perplexity, double TokensPerSecond, string Folder);
