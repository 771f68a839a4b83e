using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;

namespace Distill.Training.Trainers;

/// <summary>
/// Next-token cross-entropy (fp32, targets of −100 ignored, mean over the counted targets), computed in chunks: the
/// model runs without logits, its final hidden state is cut off into a leaf, and for each chunk of
/// <see cref="ChunkTokens"/> positions the head's logits, their loss and its backward are computed and freed before the
/// next; the leaf's accumulated gradient then flows back through the model once. The gradients equal those of the
/// full-logits loss; only one chunk of [tokens, vocabulary] logits exists at a time.
/// </summary>
public sealed class LanguageModelingObjective : ITrainingObjective
{
    public const string ObjectiveName = "language-modeling";

    /// <summary>Positions per chunk unless told otherwise: 2048 × a 50k vocabulary is 400 MB of fp32 logits.</summary>
    public const int DefaultChunkTokens = 2048;

    /// <summary>The prefix the model's weights carry in checkpoints.</summary>
    public const string StudentPrefix = "student";

    private readonly CausalLanguageModel _model;

    /// <param name="model">The model to train.</param>
    /// <param name="chunkTokens">Positions (rows of the flattened [batch × sequence]) whose logits exist at once.</param>
    public LanguageModelingObjective(CausalLanguageModel model, int chunkTokens = DefaultChunkTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, 1);
        _model = model;
        ChunkTokens = chunkTokens;
        TrainableModules = [new TrainableModule(StudentPrefix, model)];
    }

    public string Name => ObjectiveName;

    public CausalLanguageModel Student => _model;

    public IReadOnlyList<TrainableModule> TrainableModules { get; }

    public int ChunkTokens { get; }

    public ObjectiveOutput ForwardBackward(TokenBatch batch, MicroBatchContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(context);
        var device = batch.InputIds.Device;
        if (batch.TargetCount == 0)
        {
            // Nothing counts: no loss and no gradient (the next micro-batches or steps still train).
            return new ObjectiveOutput { Loss = Tensor.Zeros([], DType.Float32, device) };
        }
        Tensor hidden;
        using (context.EnterAutocast())
        {
            hidden = _model.Forward(batch.InputIds, new ForwardOptions { Logits = false, AttentionMask = batch.AttentionMask }).FinalHidden;
        }
        var leaf = hidden.Detach();
        leaf.RequiresGrad = true;
        var sum = Tensor.Zeros([], DType.Float32, device);
        var scale = context.LossScale / batch.TargetCount;
        ForEachChunk(leaf, batch.Targets, ChunkTokens, (chunkHidden, chunkTargets) =>
        {
            Tensor logits;
            using (context.EnterAutocast())
            {
                logits = _model.Head(chunkHidden);
            }
            var loss = Functional.CrossEntropy(logits.ToFloat32(), chunkTargets, TokenBatch.IgnoreIndex, Reduction.Sum);
            (loss * scale).Backward();
            sum.AddInPlace(loss.Detach());
        });
        var grad = leaf.Grad ?? throw new InvalidOperationException("the head produced no gradient for the final hidden state");
        hidden.Backward(grad);
        return new ObjectiveOutput { Loss = sum / batch.TargetCount };
    }

    /// <summary>
    /// The summed cross-entropy of <paramref name="model"/> on a batch, chunked like the training loss, without
    /// gradients (for validation). Returns a device scalar in the current tensor scope.
    /// </summary>
    public static Tensor CrossEntropySum(CausalLanguageModel model, TokenBatch batch, int chunkTokens = DefaultChunkTokens, bool useAutocast = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, 1);
        var device = batch.InputIds.Device;
        using var noGrad = TorchRuntime.NoGrad();
        Tensor hidden;
        using (Autocast.Enter(device, DType.BFloat16, useAutocast))
        {
            hidden = model.Forward(batch.InputIds, new ForwardOptions { Logits = false, AttentionMask = batch.AttentionMask }).FinalHidden;
        }
        var sum = Tensor.Zeros([], DType.Float32, device);
        ForEachChunk(hidden, batch.Targets, chunkTokens, (chunkHidden, chunkTargets) =>
        {
            Tensor logits;
            using (Autocast.Enter(device, DType.BFloat16, useAutocast))
            {
                logits = model.Head(chunkHidden);
            }
            sum.AddInPlace(Functional.CrossEntropy(logits.ToFloat32(), chunkTargets, TokenBatch.IgnoreIndex, Reduction.Sum));
        });
        return sum;
    }

    /// <summary>Calls <paramref name="body"/> on consecutive chunks of the flattened positions, each in its own tensor scope.</summary>
    private static void ForEachChunk(Tensor hidden, Tensor targets, int chunkTokens, Action<Tensor, Tensor> body)
    {
        var width = hidden.Size(-1);
        var rows = targets.NumElements;
        for (long start = 0; start < rows; start += chunkTokens)
        {
            var length = Math.Min(chunkTokens, rows - start);
            using (TensorScope.Begin())
            {
                body(hidden.Reshape(-1, width).Narrow(0, start, length), targets.Reshape(-1).Narrow(0, start, length));
            }
        }
    }
}
