using Distill.Contracts.Models;
using Distill.Training.Models;
using Distill.Training.Tokenizers;

[assembly: AssemblyFixture(typeof(Distill.Runner.Tests.Support.TinyModels))]

namespace Distill.Runner.Tests.Support;

/// <summary>
/// What every pipeline test uploads, made once per test run: a byte-level tokenizer of about 300 tokens learned from the
/// tiny corpus, a randomly initialised GPT-2 teacher on it (width 32, 2 layers, 4 heads, 32 positions) saved with
/// <see cref="ModelCheckpoint.Save"/>, and a tokenizer with more ids than the teacher's vocabulary.
/// </summary>
public sealed class TinyModels : IDisposable
{
    public const int VocabSize = 300;

    public TinyModels()
    {
        Root = Directory.CreateTempSubdirectory("distill-runner-models-").FullName;
        var tokenizerFolder = Path.Join(Root, "tokenizer");
        Train(VocabSize).Save(tokenizerFolder);
        var tokenizer = BpeTokenizer.Load(tokenizerFolder);
        TeacherFolder = Path.Join(Root, "teacher");
        using (var teacher = CausalLanguageModel.CreateInitialized(TeacherConfig(tokenizer.VocabSize), seed: 11))
        {
            ModelCheckpoint.Save(teacher, TeacherFolder, tokenizerFolder);
        }
        LargerTokenizerFolder = Path.Join(Root, "larger-tokenizer");
        Train(VocabSize + 20).Save(LargerTokenizerFolder);
    }

    public string Root { get; }

    /// <summary>config.json, model.safetensors, tokenizer.json, tokenizer_config.json.</summary>
    public string TeacherFolder { get; }

    /// <summary>A tokenizer.json with 20 more ids than the teacher's vocabulary: it does not belong to the teacher.</summary>
    public string LargerTokenizerFolder { get; }

    public static ModelConfig TeacherConfig(int vocabSize) => new()
    {
        ModelType = "gpt2",
        VocabSize = vocabSize,
        HiddenSize = 32,
        NumLayers = 2,
        NumHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 8,
        IntermediateSize = 128,
        MaxPositions = 32,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
    };

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static ByteLevelBpeVocabulary Train(int vocabSize)
    {
        var trainer = new ByteLevelBpeTrainer(vocabSize);
        for (var i = 0; i < 125; i++)
        {
            trainer.AddText(TinyCorpus.Document(i));
        }
        return trainer.Train();
    }
}
