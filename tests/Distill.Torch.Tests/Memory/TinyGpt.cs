using Distill.Torch.Nn;

namespace Distill.Torch.Tests.Memory;

/// <summary>
/// A one-block GPT built from Distill.Torch.Nn pieces, for leak tests: token and position embeddings, pre-norm
/// causal self-attention through Functional.Attention, a GELU MLP, a final norm and a linear head.
/// </summary>
internal sealed class TinyGpt : Module
{
    private readonly int _heads;

    public TinyGpt(int vocab, int dim, int heads, int maxLength, Generator generator)
    {
        _heads = heads;
        Wte = RegisterModule("wte", new Embedding(vocab, dim, generator: generator));
        Wpe = RegisterModule("wpe", new Embedding(maxLength, dim, generator: generator));
        Ln1 = RegisterModule("ln_1", new LayerNorm(dim));
        Qkv = RegisterModule("c_attn", new Linear(dim, 3 * dim, generator: generator));
        Proj = RegisterModule("c_proj", new Linear(dim, dim, generator: generator));
        Ln2 = RegisterModule("ln_2", new LayerNorm(dim));
        Fc = RegisterModule("c_fc", new Linear(dim, 4 * dim, generator: generator));
        FcProj = RegisterModule("c_fc_proj", new Linear(4 * dim, dim, generator: generator));
        LnF = RegisterModule("ln_f", new LayerNorm(dim));
        Head = RegisterModule("lm_head", new Linear(dim, vocab, bias: false, generator: generator));
    }

    public Embedding Wte { get; }

    public Embedding Wpe { get; }

    public LayerNorm Ln1 { get; }

    public Linear Qkv { get; }

    public Linear Proj { get; }

    public LayerNorm Ln2 { get; }

    public Linear Fc { get; }

    public Linear FcProj { get; }

    public LayerNorm LnF { get; }

    public Linear Head { get; }

    /// <summary>The mean next-token cross-entropy of <paramref name="ids"/> [B, T].</summary>
    public Tensor Loss(Tensor ids, Generator dropoutGenerator)
    {
        var batch = ids.Size(0);
        var length = ids.Size(1);
        var dim = Wte.Dim;
        var positions = Tensor.Arange(length);
        var x = Wte.Forward(ids) + Wpe.Forward(positions);
        x = Functional.Dropout(x, 0.1, IsTraining, dropoutGenerator);

        var qkv = Qkv.Forward(Ln1.Forward(x)).Split(dim, -1);
        Tensor Heads(Tensor t) => t.View(batch, length, _heads, dim / _heads).Transpose(1, 2);
        var attended = Functional.Attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), causal: true);
        x = x + Proj.Forward(attended.Transpose(1, 2).Reshape(batch, length, dim));
        x = x + FcProj.Forward(Fc.Forward(Ln2.Forward(x)).Gelu(tanhApproximation: true));

        var logits = Head.Forward(LnF.Forward(x));
        var predictions = logits.Narrow(1, 0, length - 1).Reshape(-1, logits.Size(-1));
        var targets = ids.Narrow(1, 1, length - 1).Reshape(-1);
        return Functional.CrossEntropy(predictions, targets);
    }
}
