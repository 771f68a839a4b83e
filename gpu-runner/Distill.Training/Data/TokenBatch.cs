using Distill.Torch;

namespace Distill.Training.Data;

/// <summary>
/// A batch of packed blocks for a causal language model: <see cref="InputIds"/> and <see cref="Targets"/>, both
/// [B, T] int64, where Targets[b, t] is the token after InputIds[b, t], or <see cref="IgnoreIndex"/> where it must not
/// count (a chat prompt). Packed blocks have no padding, so <see cref="AttentionMask"/> is always null: pass it on as
/// <c>ForwardOptions.AttentionMask</c> and the models use their plain causal mask. Dispose the batch (or let the tensor
/// scope it was made in dispose its tensors).
/// </summary>
public sealed class TokenBatch : IDisposable
{
    /// <summary>The target value the cross-entropy skips (its default ignore index).</summary>
    public const long IgnoreIndex = -100;

    internal TokenBatch(Tensor inputIds, Tensor targets, IReadOnlyList<long> blocks, long targetCount, DataCursor? cursorAfter)
    {
        InputIds = inputIds;
        Targets = targets;
        Blocks = blocks;
        TargetCount = targetCount;
        CursorAfter = cursorAfter;
    }

    /// <summary>Token ids [B, T], int64.</summary>
    public Tensor InputIds { get; }

    /// <summary>Next-token targets [B, T], int64, <see cref="IgnoreIndex"/> where the target does not count.</summary>
    public Tensor Targets { get; }

    /// <summary>Always null: packed blocks hold no padding.</summary>
    public Tensor? AttentionMask { get; }

    /// <summary>The split's block numbers in the batch, row by row.</summary>
    public IReadOnlyList<long> Blocks { get; }

    /// <summary>How many targets count (are not <see cref="IgnoreIndex"/>).</summary>
    public long TargetCount { get; }

    /// <summary>For training batches: the sampler's cursor after this batch (save it to resume after it).</summary>
    public DataCursor? CursorAfter { get; }

    public int Rows => Blocks.Count;

    public void Dispose()
    {
        InputIds.Dispose();
        Targets.Dispose();
    }
}
