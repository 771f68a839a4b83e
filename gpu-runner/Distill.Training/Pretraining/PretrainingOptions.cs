using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Trainers;

namespace Distill.Training.Pretraining;

/// <summary>
/// What <see cref="PretrainingJob"/> trains: a small model of a chosen shape, from scratch, on a corpus. The defaults
/// train a 4-layer, 128-wide GPT-2 with a 4096-token tokenizer in about a minute on two CPU cores.
/// </summary>
public sealed record PretrainingOptions
{
    /// <summary>JSONL or text files, or folders of them.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>The model folder to write (it also holds the work area, <see cref="PretrainingJob.WorkFolderName"/>).</summary>
    public required string OutputFolder { get; init; }

    /// <summary>A tokenizer.json (or a folder holding one) to use; null trains a byte-level BPE tokenizer on the inputs.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>Tokens of the tokenizer trained when <see cref="Tokenizer"/> is null (the 256 bytes and end-of-text included).</summary>
    public int VocabSize { get; init; } = 4096;

    public ModelFamily Family { get; init; } = ModelFamily.Gpt2;

    public int Layers { get; init; } = 4;

    public int HiddenSize { get; init; } = 128;

    public int Heads { get; init; } = 4;

    /// <summary>Key/value heads (Llama's grouped-query attention); the heads when null.</summary>
    public int? KeyValueHeads { get; init; }

    /// <summary>The MLP's width; 4 × hidden for GPT-2 and 2.75 × hidden for Llama when null.</summary>
    public int? IntermediateSize { get; init; }

    /// <summary>Tokens per training block, which is also the model's context length.</summary>
    public int BlockSize { get; init; } = 128;

    /// <summary>The JSONL field holding a document's text.</summary>
    public string TextField { get; init; } = "text";

    public InvalidRecordPolicy InvalidRecords { get; init; } = InvalidRecordPolicy.Fail;

    /// <summary>How plain text files are cut into documents (at blank lines by default).</summary>
    public TextDocuments TextDocuments { get; init; } = TextDocuments.Paragraphs;

    /// <summary>A line that ends a document of a plain text file instead of blank lines (<c>%</c> in fortune files).</summary>
    public string? DocumentSeparator { get; init; }

    /// <summary>The share of documents held out for the validation loss (chosen by a hash of each document).</summary>
    public double ValidationFraction { get; init; } = 0.05;

    /// <summary>Optimizer steps in total; a rerun with more steps extends a finished training.</summary>
    public long Steps { get; init; } = 300;

    public int BatchSize { get; init; } = 8;

    /// <summary>The peak learning rate; the cosine schedule decays to a tenth of it.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Steps of linear warmup (a fixed number, so that extending the steps keeps the schedule's start).</summary>
    public long WarmupSteps { get; init; } = 30;

    /// <summary>Fixes the weights' initialisation, the data order and the tokenizer-independent randomness.</summary>
    public ulong Seed { get; init; } = 1;

    public Device Device { get; init; } = Device.Cpu;

    /// <summary>A checkpoint every this many steps, besides the end and a cancellation.</summary>
    public long CheckpointEvery { get; init; } = 100;

    /// <summary>
    /// The model's config for a tokenizer of <paramref name="vocabSize"/> ids: the family's reference config (4 layers,
    /// hidden 128, 4 heads, positions = <see cref="BlockSize"/>, no dropout, tied head) with this shape written over it
    /// through <see cref="StudentShape.ToConfig"/>, so an invalid shape is a <see cref="StudentShapeException"/>
    /// naming each field (layers, hidden_size, heads, kv_heads, intermediate_size).
    /// </summary>
    public ModelConfig CreateConfig(int vocabSize, int? bosTokenId = null, int? eosTokenId = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        var reference = Family == ModelFamily.Gpt2 ? Gpt2Reference(vocabSize) : LlamaReference(vocabSize);
        var shape = new StudentShape
        {
            Layers = Layers,
            HiddenSize = HiddenSize,
            Heads = Heads,
            KeyValueHeads = KeyValueHeads ?? Heads,
            IntermediateSize = IntermediateSize,
        };
        return shape.ToConfig(reference with
        {
            MaxPositions = Math.Max(1, BlockSize),
            BosTokenId = bosTokenId,
            EosTokenIds = eosTokenId is { } eos ? [eos] : [],
        });
    }

    /// <summary>Throws <see cref="StudentShapeException"/> when the shape cannot be built.</summary>
    public void ValidateShape() => CreateConfig(vocabSize: 512);

    /// <summary>
    /// Throws for any invalid option: <see cref="StudentShapeException"/> for the shape,
    /// <see cref="TrainerOptionsException"/> for the training settings, <see cref="ArgumentException"/> for the rest.
    /// </summary>
    public void Validate()
    {
        if (Inputs is null || Inputs.Count == 0)
        {
            throw new ArgumentException("no input files or folders were given", nameof(Inputs));
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputFolder);
        if (Tokenizer is null && VocabSize < 257)
        {
            throw new ArgumentOutOfRangeException(nameof(VocabSize), VocabSize, "a byte-level tokenizer needs at least 257 tokens (256 bytes and end-of-text)");
        }
        ToDataOptions().Validate();
        ValidateShape();
        ToTrainerOptions().Validate();
    }

    /// <summary>How the inputs become training blocks.</summary>
    public DataOptions ToDataOptions() => new()
    {
        TextField = TextField,
        BlockSize = BlockSize,
        ValidationFraction = ValidationFraction,
        InvalidRecords = InvalidRecords,
        TextDocuments = TextDocuments,
        DocumentSeparator = DocumentSeparator,
    };

    /// <summary>
    /// The trainer's settings: these, a validation loss every tenth of the steps on 4 batches, the newest checkpoint
    /// kept, and <see cref="TrainerOptions.AllowStepsChange"/> so a rerun with more steps extends the training.
    /// </summary>
    public TrainerOptions ToTrainerOptions() => new()
    {
        Steps = Steps,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        WarmupSteps = WarmupSteps,
        Seed = Seed,
        Device = Device,
        CheckpointEvery = CheckpointEvery,
        EvaluateEvery = Math.Max(1, Steps / 10),
        EvaluationBatches = 4,
        KeepCheckpoints = 1,
        AllowStepsChange = true,
    };

    private static ModelConfig Gpt2Reference(int vocabSize) => new()
    {
        ModelType = "gpt2",
        VocabSize = vocabSize,
        HiddenSize = 128,
        NumLayers = 4,
        NumHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 32,
        IntermediateSize = 512,
        MaxPositions = 128,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
    };

    private static ModelConfig LlamaReference(int vocabSize) => new()
    {
        ModelType = "llama",
        VocabSize = vocabSize,
        HiddenSize = 128,
        NumLayers = 4,
        NumHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 32,
        IntermediateSize = 352,
        MaxPositions = 128,
        NormEps = 1e-5,
        Activation = "silu",
        TieWordEmbeddings = true,
    };
}
