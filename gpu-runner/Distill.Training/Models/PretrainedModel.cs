using Distill.Torch;
using Distill.Training.Tokenizers;

namespace Distill.Training.Models;

/// <summary>
/// A model folder opened with its tokenizer: the weights (<see cref="ModelCheckpoint.Load"/>) and the tokenizer.json
/// beside them, with <see cref="CausalLanguageModel.OutputVocabSize"/> set to the tokenizer's vocabulary (so an
/// embedding padded beyond it predicts no padding ids). Disposing it disposes the model.
/// </summary>
public sealed class PretrainedModel : IDisposable
{
    private PretrainedModel(string folder, CausalLanguageModel model, BpeTokenizer tokenizer, string tokenizerId)
    {
        Folder = folder;
        Model = model;
        Tokenizer = tokenizer;
        TokenizerId = tokenizerId;
    }

    /// <summary>The model folder (full path).</summary>
    public string Folder { get; }

    public CausalLanguageModel Model { get; }

    public BpeTokenizer Tokenizer { get; }

    /// <summary>The tokenizer's identity (<see cref="TokenizerFiles.Identity"/>): the key of datasets tokenized with it.</summary>
    public string TokenizerId { get; }

    /// <summary>
    /// Opens <paramref name="folder"/>: its tokenizer.json (a <see cref="TokenizerFormatException"/> when it is missing or
    /// malformed), then its weights on <paramref name="device"/> in float32. A tokenizer with more ids than the model's
    /// vocab_size is a <see cref="ModelCheckpointException"/>: it does not belong to the model.
    /// </summary>
    public static PretrainedModel Load(string folder, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new ModelCheckpointException(full, "the model folder does not exist");
        }
        var tokenizerPath = Path.Combine(full, TokenizerFiles.TokenizerJsonFileName);
        if (!File.Exists(tokenizerPath))
        {
            throw new TokenizerFormatException(tokenizerPath, "", "the model folder holds no tokenizer.json; Distill needs the tokenizer beside the weights");
        }
        var tokenizer = BpeTokenizer.Load(tokenizerPath);
        var tokenizerId = TokenizerFiles.Identity(tokenizerPath);
        var model = ModelCheckpoint.Load(full, device);
        try
        {
            if (tokenizer.VocabSize > model.Config.VocabSize)
            {
                throw new ModelCheckpointException(full,
                    $"{TokenizerFiles.TokenizerJsonFileName} has {tokenizer.VocabSize} tokens but config.json's vocab_size is {model.Config.VocabSize}: the tokenizer does not belong to this model");
            }
            model.OutputVocabSize = tokenizer.VocabSize;
            return new PretrainedModel(full, model, tokenizer, tokenizerId);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose() => Model.Dispose();
}
