using Distill.Torch.Native;

namespace Distill.Torch;

/// <summary>Neural-network functions over tensors (the counterpart of torch.nn.functional).</summary>
public static class Functional
{
    public static Tensor Softmax(Tensor x, long dim, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.Wrap(NativeMethods.dt_softmax(x.Handle, dim, dtype.HasValue ? (int)dtype.Value : -1, out var h), h);
    }

    /// <summary>log(softmax(x)) computed stably; pass <paramref name="dtype"/> to compute in fp32.</summary>
    public static Tensor LogSoftmax(Tensor x, long dim, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.Wrap(NativeMethods.dt_log_softmax(x.Handle, dim, dtype.HasValue ? (int)dtype.Value : -1, out var h), h);
    }

    /// <summary>x · weightᵀ + bias with weight [out, in].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        return Tensor.Wrap(NativeMethods.dt_linear(x.Handle, weight.Handle, Tensor.HandleOf(bias), out var h), h);
    }

    /// <summary>bias + a · b for 2-d a and b (GPT-2's Conv1D with weight [in, out]).</summary>
    public static Tensor AddMm(Tensor bias, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Tensor.Wrap(NativeMethods.dt_addmm(bias.Handle, a.Handle, b.Handle, out var h), h);
    }

    /// <summary>Rows of <paramref name="weight"/> selected by integer <paramref name="ids"/>.</summary>
    public static Tensor Embedding(Tensor weight, Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(ids);
        return Tensor.Wrap(NativeMethods.dt_embedding(weight.Handle, ids.Handle, out var h), h);
    }

    /// <summary>Layer normalisation over the last dimension.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.Wrap(NativeMethods.dt_layer_norm(x.Handle, Tensor.HandleOf(weight), Tensor.HandleOf(bias), eps, out var h), h);
    }

    /// <summary>RMS normalisation over the last dimension, computed in fp32 as Hugging Face's LlamaRMSNorm.</summary>
    public static Tensor RmsNorm(Tensor x, Tensor? weight, double eps = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.Wrap(NativeMethods.dt_rms_norm(x.Handle, Tensor.HandleOf(weight), eps, out var h), h);
    }

    /// <summary>Zeroes elements with probability p and scales the rest by 1/(1-p); the identity when not training.</summary>
    public static Tensor Dropout(Tensor x, double p, bool training, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.Wrap(NativeMethods.dt_dropout(x.Handle, p, training ? 1 : 0, Generator.HandleOf(generator), out var h), h);
    }

    /// <summary>
    /// Scaled dot-product attention. q is [B, H, T, D]; k and v are [B, Hkv, S, D] with H a multiple of Hkv
    /// (grouped-query attention). <paramref name="mask"/> is a bool keep-mask or an additive float mask
    /// broadcastable to [B, H, T, S]. <paramref name="scale"/> defaults to 1/√D.
    /// </summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, bool causal = true, Tensor? mask = null,
        double dropout = 0, double? scale = null, Generator? generator = null) =>
        AttentionCore(q, k, v, causal, mask, dropout, scale, generator, needWeights: false).Output;

    /// <summary>Attention that also returns the attention probabilities [B, H, T, S] (for attention distillation).</summary>
    public static (Tensor Output, Tensor Weights) AttentionWithWeights(Tensor q, Tensor k, Tensor v, bool causal = true,
        Tensor? mask = null, double dropout = 0, double? scale = null, Generator? generator = null)
    {
        var (output, weights) = AttentionCore(q, k, v, causal, mask, dropout, scale, generator, needWeights: true);
        return (output, weights!);
    }

    private static unsafe (Tensor Output, Tensor? Weights) AttentionCore(Tensor q, Tensor k, Tensor v, bool causal, Tensor? mask,
        double dropout, double? scale, Generator? generator, bool needWeights)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        nint weights = 0;
        var status = NativeMethods.dt_attention(q.Handle, k.Handle, v.Handle, Tensor.HandleOf(mask), dropout, causal ? 1 : 0,
            scale ?? 0, Generator.HandleOf(generator), out var output, needWeights ? &weights : null);
        var result = Tensor.Wrap(status, output);
        if (!needWeights)
        {
            return (result, null);
        }
        var handle = new TensorHandle();
        System.Runtime.InteropServices.Marshal.InitHandle(handle, weights);
        return (result, new Tensor(handle));
    }

    /// <summary>
    /// Cross-entropy of logits [N, C] against class indices [N]; targets equal to <paramref name="ignoreIndex"/>
    /// contribute nothing, and the mean is over the others.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        return Tensor.Wrap(NativeMethods.dt_cross_entropy(logits.Handle, target.Handle, ignoreIndex, (int)reduction, labelSmoothing, out var h), h);
    }

    /// <summary>
    /// Elementwise target · (log target − input), with <paramref name="input"/> log-probabilities. Reduction.Mean
    /// averages over every element, the vocabulary included: divide a sum yourself for a per-row mean.
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Sum, bool logTarget = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        return Tensor.Wrap(NativeMethods.dt_kl_div(input.Handle, target.Handle, (int)reduction, logTarget ? 1 : 0, out var h), h);
    }

    public static Tensor MseLoss(Tensor a, Tensor b, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Tensor.Wrap(NativeMethods.dt_mse_loss(a.Handle, b.Handle, (int)reduction, out var h), h);
    }

    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> so their global L2 norm is at most
    /// <paramref name="maxNorm"/>; returns the norm before clipping (a 0-d tensor, read without forcing a sync).
    /// </summary>
    public static unsafe Tensor ClipGradNorm(ReadOnlySpan<Tensor> parameters, double maxNorm)
    {
        using var handles = new Tensor.HandleList(parameters);
        fixed (nint* p = handles.Raw)
        {
            return Tensor.Wrap(NativeMethods.dt_clip_grad_norm(p, parameters.Length, maxNorm, out var h), h);
        }
    }
}
