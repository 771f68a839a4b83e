namespace Distill.Torch.Tests.Support;

/// <summary>Longhand reference implementations in plain C#, to compare the engine's operations against.</summary>
internal static class Reference
{
    /// <summary>erf by its Maclaurin series (converges to ~1e-13 for |x| ≤ 4), so exact GELU has a reference.</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 4)
        {
            return Math.Sign(x);
        }
        double sum = 0, term = x;
        for (var n = 0; n < 200; n++)
        {
            var add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17)
            {
                break;
            }
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double Silu(double x) => x * Sigmoid(x);

    public static double GeluExact(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static double[] Softmax(ReadOnlySpan<double> row)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }
        var result = new double[row.Length];
        double sum = 0;
        for (var i = 0; i < row.Length; i++)
        {
            result[i] = double.IsNegativeInfinity(row[i]) ? 0 : Math.Exp(row[i] - max);
            sum += result[i];
        }
        for (var i = 0; i < row.Length; i++)
        {
            result[i] /= sum;
        }
        return result;
    }

    public static double LogSumExp(ReadOnlySpan<double> row)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }
        double sum = 0;
        foreach (var v in row)
        {
            sum += Math.Exp(v - max);
        }
        return max + Math.Log(sum);
    }

    /// <summary>[m, k] · [k, n] over row-major arrays.</summary>
    public static double[] MatMul(double[] a, double[] b, int m, int k, int n)
    {
        var result = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var t = 0; t < k; t++)
                {
                    sum += a[i * k + t] * b[t * n + j];
                }
                result[i * n + j] = sum;
            }
        }
        return result;
    }

    /// <summary>
    /// Scaled dot-product attention written out: q [B, H, T, D], k and v [B, Hkv, S, D] (query head h reads key/value
    /// head h / (H / Hkv)); scores q·k/√D, then the causal mask (key j visible to query i when j ≤ i + S − T), the
    /// optional keep-mask keep[b, t, s] or additive mask add[b, t, s] (shared by every head), softmax over s, and the
    /// weighted sum of v. Returns the output [B, H, T, D] and the probabilities [B, H, T, S].
    /// </summary>
    public static (double[] Output, double[] Weights) Attention(double[] q, double[] k, double[] v, int batch, int heads, int kvHeads,
        int target, int source, int dim, bool causal, bool[]? keep = null, double[]? additive = null)
    {
        var output = new double[batch * heads * target * dim];
        var weights = new double[batch * heads * target * source];
        var scale = 1 / Math.Sqrt(dim);
        var group = heads / kvHeads;
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                var kvh = h / group;
                for (var t = 0; t < target; t++)
                {
                    var scores = new double[source];
                    for (var s = 0; s < source; s++)
                    {
                        double dot = 0;
                        for (var d = 0; d < dim; d++)
                        {
                            dot += q[((b * heads + h) * target + t) * dim + d] * k[((b * kvHeads + kvh) * source + s) * dim + d];
                        }
                        scores[s] = dot * scale;
                        if (causal && s > t + source - target)
                        {
                            scores[s] = double.NegativeInfinity;
                        }
                        if (keep is not null && !keep[(b * target + t) * source + s])
                        {
                            scores[s] = double.NegativeInfinity;
                        }
                        if (additive is not null)
                        {
                            scores[s] += additive[(b * target + t) * source + s];
                        }
                    }
                    var probs = Softmax(scores);
                    for (var s = 0; s < source; s++)
                    {
                        weights[((b * heads + h) * target + t) * source + s] = probs[s];
                        for (var d = 0; d < dim; d++)
                        {
                            output[((b * heads + h) * target + t) * dim + d] += probs[s] * v[((b * kvHeads + kvh) * source + s) * dim + d];
                        }
                    }
                }
            }
        }
        return (output, weights);
    }

    /// <summary>Deterministic pseudo-random doubles in [low, high) from a seed (independent of the engine).</summary>
    public static double[] Values(int count, int seed, double low = -1, double high = 1)
    {
        var random = new Random(seed);
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = low + (high - low) * random.NextDouble();
        }
        return result;
    }
}
