namespace Distill.Bench.Engine;

/// <summary>A GPT-2-style model and batch for the training-step case, with its run counts.</summary>
public sealed record TrainingSize(int Layers, int Hidden, int Heads, int Context, int Batch, int Vocab, int Warmup, int Repeats)
{
    public int TokensPerStep => Batch * Context;

    /// <summary>A step both sides reach (the least warm-up plus the timed steps): their losses there are compared.</summary>
    public int CheckStep => Warmup + Repeats;

    public string Label => $"{Layers}-layer GPT-2 C={Hidden} H={Heads} T={Context} B={Batch} V={Vocab}";
}
