using System.Globalization;
using System.Text;
using System.Text.Json;
using Distill.Contracts.Models;
using Distill.Training.Models;
using Distill.Training.Tokenizers;

namespace Distill.Bench.Pipeline;

/// <summary>
/// A run folder like the demo's, made in-process: the English text of Debian's license files as JSONL paragraphs (a
/// tenth held out for validation), a byte-level BPE tokenizer learned from them, and a randomly initialised GPT-2
/// teacher saved in the Hugging Face layout; <see cref="WriteManifest"/> adds a kd pipeline.json.
/// </summary>
public sealed class DemoRunFolder
{
    private const string CorpusFolder = "/usr/share/common-licenses";

    private DemoRunFolder(string root, long teacherParameters)
    {
        Root = root;
        TeacherParameters = teacherParameters;
    }

    public string Root { get; }

    public long TeacherParameters { get; }

    /// <summary>Makes the folder's teacher and data in <paramref name="root"/>.</summary>
    /// <exception cref="PipelineBenchException">The license texts are missing or too short.</exception>
    public static DemoRunFolder Create(string root, PipelinePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var paragraphs = Paragraphs();
        if (paragraphs.Sum(p => p.Length) < 50_000)
        {
            throw new PipelineBenchException($"{CorpusFolder} holds too little text for the demo-like run (need 50 kB of paragraphs)");
        }
        Directory.CreateDirectory(Path.Join(root, "data"));
        var validation = paragraphs.Where((_, i) => i % 10 == 9).ToList();
        var train = paragraphs.Where((_, i) => i % 10 != 9).ToList();
        File.WriteAllText(Path.Join(root, "data", "train.jsonl"), Jsonl(train));
        File.WriteAllText(Path.Join(root, "data", "validation.jsonl"), Jsonl(validation));

        var trainer = new ByteLevelBpeTrainer(plan.VocabSize);
        foreach (var paragraph in train.Take(400))
        {
            trainer.AddText(paragraph);
        }
        var tokenizerFolder = Path.Join(root, ".tokenizer");
        trainer.Train().Save(tokenizerFolder);
        var vocabSize = BpeTokenizer.Load(tokenizerFolder).VocabSize;
        var config = new ModelConfig
        {
            ModelType = "gpt2",
            VocabSize = vocabSize,
            HiddenSize = plan.TeacherHidden,
            NumLayers = plan.TeacherLayers,
            NumHeads = 4,
            NumKeyValueHeads = 4,
            HeadDim = plan.TeacherHidden / 4,
            IntermediateSize = 4 * plan.TeacherHidden,
            MaxPositions = plan.BlockSize,
            NormEps = 1e-5,
            Activation = "gelu_new",
            TieWordEmbeddings = true,
            QkvBias = true,
            AttentionOutputBias = true,
            MlpBias = true,
        };
        using var teacher = CausalLanguageModel.CreateInitialized(config, seed: 7);
        ModelCheckpoint.Save(teacher, Path.Join(root, "teacher"), tokenizerFolder);
        Directory.Delete(tokenizerFolder, recursive: true);
        return new DemoRunFolder(Path.GetFullPath(root), teacher.ParameterCount());
    }

    /// <summary>Writes pipeline.json: kd of a 2-layer, width-64 student for <paramref name="steps"/> steps (the demo's manifest, cpu, no gate that a random teacher could fail).</summary>
    public void WriteManifest(PipelinePlan plan, int steps, int checkpointEvery, int evaluationBlocks)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var json = string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "version": 1,
              "name": "bench-kd",
              "teacher": { "path": "teacher" },
              "data": { "train": ["data/train.jsonl"], "validation": ["data/validation.jsonl"], "blockSize": {{plan.BlockSize}} },
              "student": { "layers": 2, "hiddenSize": 64, "heads": 4, "init": "teacher-layers", "seed": 1 },
              "method": { "name": "kd", "temperature": 2, "weights": { "ce": 0.5, "kd": 0.5 } },
              "training": { "steps": {{steps}}, "batchSize": {{plan.BatchSize}}, "learningRate": 0.002, "warmupSteps": {{Math.Min(30, steps / 10)}}, "checkpointEvery": {{checkpointEvery}}, "evaluateEvery": {{checkpointEvery}}, "device": "cpu", "seed": 1 },
              "evaluation": { "maxBlocks": {{evaluationBlocks}}, "batchSize": {{plan.BatchSize}}, "prompts": ["The licensee shall"], "gates": { "maxPerplexityRatio": 1000 } }
            }
            """);
        File.WriteAllText(Path.Join(Root, "pipeline.json"), json);
    }

    /// <summary>The license texts' paragraphs (blank-line separated, at least 200 characters), in file order.</summary>
    private static List<string> Paragraphs()
    {
        var paragraphs = new List<string>();
        if (!Directory.Exists(CorpusFolder))
        {
            throw new PipelineBenchException($"{CorpusFolder} does not exist: the demo-like run learns from Debian's license texts");
        }
        foreach (var file in Directory.GetFiles(CorpusFolder).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            if ((info.Attributes & FileAttributes.ReparsePoint) != 0 || info.Length is 0 or > 1_000_000)
            {
                continue;
            }
            var current = new StringBuilder();
            foreach (var line in File.ReadLines(file))
            {
                if (line.Trim().Length == 0)
                {
                    Flush();
                }
                else
                {
                    current.Append(current.Length == 0 ? "" : " ").Append(line.Trim());
                }
            }
            Flush();

            void Flush()
            {
                if (current.Length >= 200)
                {
                    paragraphs.Add(current.ToString());
                }
                current.Clear();
            }
        }
        return paragraphs;
    }

    private static string Jsonl(IEnumerable<string> documents) =>
        string.Concat(documents.Select(d => JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = d }) + "\n"));
}
