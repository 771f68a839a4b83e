using Distill.Bench.Engine;
using Distill.Bench.Measurement;
using Distill.Torch;
using Distill.Torch.Optim;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Bench.Training;

/// <summary>Distill's side of the training suite: the trainer's own step on a model from Distill.Training.</summary>
public static class TrainingCases
{
    /// <summary>
    /// One optimizer step per run, as the trainer's TrainingRun.RunStep does it with one micro-batch: in a tensor scope
    /// with gradients on, <see cref="LanguageModelingObjective.ForwardBackward"/> (the model without logits, then the
    /// head, fp32 cross-entropy and its backward per chunk of <paramref name="chunkTokens"/> positions, then the
    /// backward through the model), the global-norm clip, AdamW, zero-grad, and the loss read back. The batches are
    /// drawn before timing, as the peer's are.
    /// </summary>
    public static LocalSide Step(TrainingModel shape, TrainingSettings settings, int chunkTokens)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(settings);
        var model = CausalLanguageModel.CreateInitialized(shape.Config(), (ulong)settings.Seed);
        model.Train();
        var objective = new LanguageModelingObjective(model, chunkTokens);
        // The trainer's grouping: weight decay on matrices and embeddings (rank ≥ 2), none on norm scales and biases.
        var optimizer = AdamW.ForModule(model, settings.LearningRate, settings.WeightDecay, settings.Beta1, settings.Beta2, settings.Eps);
        var parameters = optimizer.Parameters.ToArray();
        var data = TensorScope.Begin();
        using var generator = new Generator((ulong)settings.Seed);
        // Learnable data (the next token is the current one plus 1), so the loss visibly falls from ln(vocab).
        var batches = Enumerable.Range(0, settings.Batches)
            .Select(_ => Tensor.RandInt(0, shape.Vocab, [shape.Batch, shape.Context], generator))
            .Select(ids => new TokenBatch(ids, (ids + 1) % shape.Vocab, new long[shape.Batch], shape.TokensPerStep, cursorAfter: null))
            .ToArray();
        var losses = new List<double>();
        return new LocalSide(() =>
        {
            using (TensorScope.Begin())
            using (TorchRuntime.EnableGrad())
            {
                var batch = batches[losses.Count % batches.Length];
                var loss = Tensor.Zeros([], DType.Float32, Device.Cpu);
                using (TensorScope.Begin())
                {
                    var context = new MicroBatchContext
                    {
                        LossScale = 1.0,
                        Step = losses.Count,
                        TotalSteps = long.MaxValue,
                        MicroBatch = 0,
                        Device = Device.Cpu,
                        UseAutocast = false,
                    };
                    loss.AddInPlace(objective.ForwardBackward(batch, context).Loss);
                }
                Functional.ClipGradNorm(parameters, settings.Clip);
                optimizer.Step();
                optimizer.ZeroGrad();
                losses.Add(loss.ToDouble());
            }
        }, () => new Dictionary<string, double>
        {
            ["parameters"] = model.ParameterCount(),
            ["matmul_parameters"] = model.ParameterCount() - TrainingModel.LookupOnlyParameters(model),
            ["first_loss"] = losses[0],
            ["check_loss"] = losses[shape.CheckStep - 1],
        }, model, optimizer, data);
    }
}
