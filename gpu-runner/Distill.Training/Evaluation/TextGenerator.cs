using Distill.Torch;
using Distill.Training.Models;
using Distill.Training.Tokenizers;

namespace Distill.Training.Evaluation;

/// <summary>
/// Writes continuations with a causal language model one token at a time: greedy, or sampled (temperature, top-k,
/// top-p) from a generator seeded per call, so a seed always gives the same text. Each step runs the model on the
/// whole window of prompt and generated tokens, cropped to the model's last <see cref="ModelConfig.MaxPositions"/>
/// tokens. There is no key/value cache: every step recomputes the window, which keeps this simple and is fast enough
/// for the small models evaluated here. Runs without gradients, in eval mode; the model's mode is restored after.
/// </summary>
public sealed class TextGenerator(CausalLanguageModel model)
{
    private readonly CausalLanguageModel _model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>
    /// Up to <see cref="SamplingOptions.MaxNewTokens"/> tokens after <paramref name="promptIds"/>, stopping early
    /// when one of <paramref name="stopTokenIds"/> is chosen (it is not included in the result).
    /// </summary>
    public GenerationResult Generate(
        IReadOnlyList<int> promptIds,
        SamplingOptions options,
        IReadOnlyCollection<int>? stopTokenIds = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (promptIds.Count == 0)
        {
            throw new ArgumentException("the prompt has no tokens", nameof(promptIds));
        }
        var vocab = _model.Config.VocabSize;
        foreach (var id in promptIds)
        {
            if (id < 0 || id >= vocab)
            {
                throw new ArgumentException($"prompt token id {id} is outside the model's vocabulary of {vocab}", nameof(promptIds));
            }
        }
        var context = promptIds.Select(id => (long)id).ToList();
        var generated = new List<int>();
        var stops = stopTokenIds ?? [];
        var stopped = false;
        var wasTraining = _model.IsTraining;
        using var random = options.IsGreedy ? null : new Generator(options.Seed);
        using var noGrad = TorchRuntime.NoGrad();
        _model.Eval();
        try
        {
            while (generated.Count < options.MaxNewTokens)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int next;
                using (TensorScope.Begin())
                {
                    next = NextToken(context, options, random);
                }
                if (stops.Contains(next))
                {
                    stopped = true;
                    break;
                }
                generated.Add(next);
                context.Add(next);
            }
        }
        finally
        {
            _model.Train(wasTraining);
        }
        return new GenerationResult(generated, stopped);
    }

    /// <summary>
    /// The continuation of <paramref name="prompt"/>: encoded with the tokenizer's template (e.g. BOS first; an empty
    /// prompt starts from BOS or, failing that, EOS), generated until the tokenizer's or the model's end-of-text token,
    /// and decoded without special tokens.
    /// </summary>
    public TextSample GenerateText(BpeTokenizer tokenizer, string prompt, SamplingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        var promptIds = tokenizer.Encode(prompt, addSpecialTokens: true);
        if (promptIds.Count == 0)
        {
            var start = tokenizer.BosTokenId ?? tokenizer.EosTokenId
                ?? throw new ArgumentException($"the prompt is empty and {tokenizer.Source} has no BOS or EOS token to start from", nameof(prompt));
            promptIds = [start];
        }
        var stops = new HashSet<int>(_model.Config.EosTokenIds);
        if (tokenizer.EosTokenId is { } eos)
        {
            stops.Add(eos);
        }
        var result = Generate(promptIds, options, stops, cancellationToken);
        return new TextSample(prompt, options.Describe(), Continuation(tokenizer, promptIds, result.TokenIds), result.TokenIds.Count, result.StoppedAtStopToken);
    }

    /// <summary>
    /// The text the new tokens add to the prompt. Decoding them together with the prompt keeps what depends on context
    /// (a SentencePiece-style leading space, a character split across tokens) as it reads after the prompt.
    /// </summary>
    private static string Continuation(BpeTokenizer tokenizer, IReadOnlyList<int> promptIds, IReadOnlyList<int> newIds)
    {
        var promptText = tokenizer.Decode(promptIds, skipSpecialTokens: true);
        var fullText = tokenizer.Decode(promptIds.Concat(newIds), skipSpecialTokens: true);
        return fullText.StartsWith(promptText, StringComparison.Ordinal)
            ? fullText[promptText.Length..]
            : tokenizer.Decode(newIds, skipSpecialTokens: true);
    }

    private int NextToken(List<long> context, SamplingOptions options, Generator? random)
    {
        var start = Math.Max(0, context.Count - _model.Config.MaxPositions);
        var window = context.GetRange(start, context.Count - start).ToArray();
        var ids = Tensor.FromSpan<long>(window, [1, window.Length], device: _model.Device);
        var hidden = _model.Forward(ids, new ForwardOptions { Logits = false }).FinalHidden.Select(1, window.Length - 1);
        // Choose on the CPU in fp32, so a seed draws the same token whatever device the model runs on.
        var logits = _model.Head(hidden).Select(0, 0).To(DType.Float32, Device.Cpu);
        return random is null ? (int)logits.ArgMax().ToInt64() : Sample(logits, options, random);
    }

    private static int Sample(Tensor logits, SamplingOptions options, Generator random)
    {
        var scaled = logits / options.Temperature;
        var vocab = scaled.Size(0);
        if (options.TopK == 0 && options.TopP >= 1)
        {
            return (int)scaled.Softmax(-1).Multinomial(1, generator: random).ToInt64();
        }
        var (values, indices) = options.TopK > 0 && options.TopK < vocab
            ? scaled.TopK(options.TopK)
            : scaled.Sort(descending: true, stable: true);
        var probabilities = values.Softmax(-1);
        if (options.TopP < 1)
        {
            probabilities = probabilities.Narrow(0, 0, NucleusSize(probabilities.ToArray<float>(), options.TopP));
        }
        var choice = probabilities.Multinomial(1, generator: random);
        return (int)indices.Gather(0, choice).ToInt64();
    }

    /// <summary>How many of the sorted probabilities to keep: the most likely ones until their sum reaches <paramref name="topP"/> (at least one).</summary>
    internal static int NucleusSize(ReadOnlySpan<float> sortedProbabilities, double topP)
    {
        var sum = 0.0;
        var keep = 0;
        while (keep < sortedProbabilities.Length && (keep == 0 || sum < topP))
        {
            sum += sortedProbabilities[keep];
            keep++;
        }
        return keep;
    }
}
