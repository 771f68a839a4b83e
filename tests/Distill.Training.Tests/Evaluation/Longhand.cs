using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;

namespace Distill.Training.Tests.Evaluation;

/// <summary>Reference values computed position by position in double precision from the models' full logits.</summary>
internal static class Longhand
{
    /// <summary>A batch of the given rows; targets of −100 do not count.</summary>
    public static TokenBatch Batch(long[][] inputs, long[][] targets)
    {
        var rows = inputs.Length;
        var length = inputs[0].Length;
        var counted = targets.Sum(row => row.Count(t => t != TokenBatch.IgnoreIndex));
        return new TokenBatch(
            Tensor.FromArray(inputs.SelectMany(r => r).ToArray(), rows, length).DetachFromScope(),
            Tensor.FromArray(targets.SelectMany(r => r).ToArray(), rows, length).DetachFromScope(),
            Enumerable.Range(0, rows).Select(r => (long)r).ToArray(),
            counted,
            cursorAfter: null);
    }

    /// <summary>Log-probabilities [row][position][token] of the model on <paramref name="inputs"/>.</summary>
    public static double[][][] LogProbabilities(CausalLanguageModel model, long[][] inputs)
    {
        var wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            using var scope = TensorScope.Begin();
            using var noGrad = TorchRuntime.NoGrad();
            var rows = inputs.Length;
            var length = inputs[0].Length;
            var logits = model.Forward(Tensor.FromArray(inputs.SelectMany(r => r).ToArray(), rows, length)).Logits!.ToArray<float>();
            var vocab = logits.Length / (rows * length);
            var result = new double[rows][][];
            for (var r = 0; r < rows; r++)
            {
                result[r] = new double[length][];
                for (var t = 0; t < length; t++)
                {
                    var row = logits.AsSpan((r * length + t) * vocab, vocab).ToArray().Select(x => (double)x).ToArray();
                    var max = row.Max();
                    var logSum = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
                    result[r][t] = row.Select(x => x - logSum).ToArray();
                }
            }
            return result;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>Mean −log p(target) over the counted targets.</summary>
    public static double MeanLoss(double[][][] logProbs, long[][] targets)
    {
        var (sum, count) = (0.0, 0);
        ForCounted(targets, (r, t, target) =>
        {
            sum -= logProbs[r][t][target];
            count++;
        });
        return sum / count;
    }

    /// <summary>Fraction of counted positions where both distributions have the same most likely token.</summary>
    public static double Agreement(double[][][] student, double[][][] teacher, long[][] targets)
    {
        var (agree, count) = (0, 0);
        ForCounted(targets, (r, t, _) =>
        {
            agree += ArgMax(student[r][t]) == ArgMax(teacher[r][t]) ? 1 : 0;
            count++;
        });
        return (double)agree / count;
    }

    /// <summary>Mean Σ_v p_t(v)·(log p_t(v) − log p_s(v)) over the counted positions.</summary>
    public static double ForwardKl(double[][][] student, double[][][] teacher, long[][] targets)
    {
        var (sum, count) = (0.0, 0);
        ForCounted(targets, (r, t, _) =>
        {
            var p = teacher[r][t];
            var q = student[r][t];
            for (var v = 0; v < p.Length; v++)
            {
                sum += Math.Exp(p[v]) * (p[v] - q[v]);
            }
            count++;
        });
        return sum / count;
    }

    private static void ForCounted(long[][] targets, Action<int, int, int> action)
    {
        for (var r = 0; r < targets.Length; r++)
        {
            for (var t = 0; t < targets[r].Length; t++)
            {
                if (targets[r][t] != TokenBatch.IgnoreIndex)
                {
                    action(r, t, (int)targets[r][t]);
                }
            }
        }
    }

    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}
