using Distill.Contracts.Models;

namespace Distill.Contracts.Tests.Manifests;

/// <summary>Manifests and teachers the manifest tests share.</summary>
internal static class ManifestExamples
{
    /// <summary>The README's example: a tiny GPT-2 student of a small GPT-2 teacher, distilled with KD.</summary>
    public const string Demo = """
        {
          "version": 1,
          "name": "tiny-gpt2-kd",
          "teacher": { "path": "teacher" },
          "data": {
            "train": ["data/train.jsonl"],
            "validation": ["data/validation.jsonl"],
            "textField": "text",
            "blockSize": 64,
            "invalidRecords": "fail"
          },
          "student": { "layers": 2, "hiddenSize": 64, "heads": 4, "init": "teacher-layers", "seed": 1 },
          "method": { "name": "kd", "temperature": 2, "weights": { "ce": 0.5, "kd": 0.5 } },
          "training": {
            "steps": 300,
            "batchSize": 16,
            "learningRate": 0.002,
            "warmupSteps": 30,
            "checkpointEvery": 100,
            "evaluateEvery": 100,
            "device": "auto",
            "seed": 1
          },
          "evaluation": {
            "maxBlocks": 64,
            "batchSize": 16,
            "prompts": ["The licensee shall"],
            "gates": { "maxPerplexityRatio": 2.0 }
          },
          "output": { "name": "tiny-gpt2-student" }
        }
        """;

    /// <summary>The smallest valid manifest: everything else takes its default.</summary>
    public const string Minimal = """{ "version": 1, "name": "run", "data": { "train": ["data"] }, "method": { "name": "kd" } }""";

    /// <summary>A small GPT-2 teacher: 4 layers, width 128, 4 heads, 256 positions.</summary>
    public static ModelConfig Gpt2Teacher(int layers = 4, int vocabulary = 512, int positions = 256) => new()
    {
        ModelType = "gpt2",
        VocabSize = vocabulary,
        HiddenSize = 128,
        NumLayers = layers,
        NumHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 32,
        IntermediateSize = 512,
        MaxPositions = positions,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
    };

    /// <summary>A small Llama teacher: 6 layers, width 96, 6 query heads, 2 key/value heads.</summary>
    public static ModelConfig LlamaTeacher() => new()
    {
        ModelType = "llama",
        VocabSize = 512,
        HiddenSize = 96,
        NumLayers = 6,
        NumHeads = 6,
        NumKeyValueHeads = 2,
        HeadDim = 16,
        IntermediateSize = 256,
        MaxPositions = 512,
        NormEps = 1e-6,
        Activation = "silu",
        TieWordEmbeddings = false,
    };

    /// <summary>The minimal manifest with <paramref name="members"/> (JSON members, comma-separated) written into <paramref name="section"/>.</summary>
    public static string With(string section, string members) => section switch
    {
        "data" => $$"""{ "version": 1, "name": "run", "data": { "train": ["data"], {{members}} }, "method": { "name": "kd" } }""",
        "method" => $$"""{ "version": 1, "name": "run", "data": { "train": ["data"] }, "method": { {{members}} } }""",
        "" => $$"""{ "version": 1, "name": "run", "data": { "train": ["data"] }, "method": { "name": "kd" }, {{members}} }""",
        _ => $$"""{ "version": 1, "name": "run", "data": { "train": ["data"] }, "method": { "name": "kd" }, "{{section}}": { {{members}} } }""",
    };
}
