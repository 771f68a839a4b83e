using System.Globalization;
using System.Text;
using System.Text.Json;
using Distill.Contracts.Methods;
using Distill.Training.Pretraining;

namespace Distill.Cli.Commands;

/// <summary>
/// The sizes and settings of `distill demo`: the teacher trained on the corpus, the student and its training, and the
/// run's pipeline.json. The defaults (a 4-layer, 128-wide GPT-2 teacher of ~0.9M parameters on a 1,024-token tokenizer; a
/// 1-layer student of the same width, initialised from the teacher's embeddings and one of its layers, about a third of
/// its size) take a few minutes on two CPU cores; the tests shrink them.
/// </summary>
internal sealed record DemoSettings
{
    /// <summary>The run's name (and the published model's): <c>demo-{method}</c>.</summary>
    public string Name => $"demo-{Method}";

    public string Method { get; init; } = MethodNames.Kd;

    public int VocabSize { get; init; } = 1024;

    public int BlockSize { get; init; } = 64;

    public int BatchSize { get; init; } = 16;

    public int TeacherLayers { get; init; } = 4;

    public int TeacherHidden { get; init; } = 128;

    public int Heads { get; init; } = 4;

    public long TeacherSteps { get; init; } = 400;

    public double TeacherLearningRate { get; init; } = 3e-3;

    public int StudentLayers { get; init; } = 1;

    public int StudentHidden { get; init; } = 128;

    public long StudentSteps { get; init; } = 300;

    public double StudentLearningRate { get; init; } = 3e-3;

    public ulong Seed { get; init; } = 1;

    /// <summary>The most validation blocks the evaluation compares the models on.</summary>
    public int EvaluationBlocks { get; init; } = 64;

    /// <summary>The evaluation's gate: the run fails when the student's perplexity is more than this times the teacher's; null: no gate.</summary>
    public double? MaxPerplexityRatio { get; init; }

    /// <summary>The prompt both models continue in the report.</summary>
    public string Prompt { get; init; } = "This License";

    /// <summary>The teacher's training: <c>train-teacher</c> with these sizes on <paramref name="corpus"/> into <paramref name="folder"/>.</summary>
    public PretrainingOptions TeacherOptions(string corpus, string folder) => new()
    {
        Inputs = [corpus],
        OutputFolder = folder,
        VocabSize = VocabSize,
        Layers = TeacherLayers,
        HiddenSize = TeacherHidden,
        Heads = Heads,
        BlockSize = BlockSize,
        BatchSize = BatchSize,
        Steps = TeacherSteps,
        LearningRate = TeacherLearningRate,
        WarmupSteps = Math.Min(30, TeacherSteps / 10),
        Seed = Seed,
        CheckpointEvery = Math.Max(1, TeacherSteps / 2),
    };

    /// <summary>
    /// The run's pipeline.json: the teacher in <c>teacher/</c>, the corpus in <paramref name="dataPath"/> (the validation
    /// documents held out by the same hash as the teacher's, so neither model trained on them), the student's shape,
    /// the method (kd with temperature 2 and equal weights; another method with its defaults), the student's training,
    /// and an evaluation on at most <see cref="EvaluationBlocks"/> validation blocks with one prompt (and a gate when
    /// <see cref="MaxPerplexityRatio"/> is set).
    /// </summary>
    public string Manifest(string dataPath)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteString("name", Name);
            json.WriteStartObject("teacher");
            json.WriteString("path", "teacher");
            json.WriteEndObject();
            json.WriteStartObject("data");
            json.WriteStartArray("train");
            json.WriteStringValue(dataPath);
            json.WriteEndArray();
            json.WriteNumber("blockSize", BlockSize);
            json.WriteEndObject();
            json.WriteStartObject("student");
            json.WriteNumber("layers", StudentLayers);
            json.WriteNumber("hiddenSize", StudentHidden);
            json.WriteNumber("heads", Heads);
            json.WriteString("init", "teacher-layers");
            json.WriteNumber("seed", Seed);
            json.WriteEndObject();
            json.WriteStartObject("method");
            json.WriteString("name", Method);
            if (Method == MethodNames.Kd)
            {
                json.WriteNumber("temperature", 2);
                json.WriteStartObject("weights");
                json.WriteNumber("ce", 0.5);
                json.WriteNumber("kd", 0.5);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteStartObject("training");
            json.WriteNumber("steps", StudentSteps);
            json.WriteNumber("batchSize", BatchSize);
            json.WriteNumber("learningRate", StudentLearningRate);
            json.WriteNumber("warmupSteps", Math.Min(30, StudentSteps / 10));
            json.WriteNumber("checkpointEvery", Math.Max(1, StudentSteps / 3));
            json.WriteNumber("evaluateEvery", Math.Max(1, StudentSteps / 10));
            json.WriteString("device", "auto");
            json.WriteNumber("seed", Seed);
            json.WriteEndObject();
            json.WriteStartObject("evaluation");
            json.WriteNumber("maxBlocks", EvaluationBlocks);
            json.WriteNumber("batchSize", BatchSize);
            json.WriteStartArray("prompts");
            json.WriteStringValue(Prompt);
            json.WriteEndArray();
            if (MaxPerplexityRatio is { } ratio)
            {
                json.WriteStartObject("gates");
                json.WriteNumber("maxPerplexityRatio", ratio);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The sizes in a line, for the demo's header.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"teacher: GPT-2, {TeacherLayers} layers, width {TeacherHidden}, {TeacherSteps} steps; student: {StudentLayers} layer(s), width {StudentHidden}, {StudentSteps} steps of {Method}; blocks of {BlockSize} tokens, batches of {BatchSize}");
}
