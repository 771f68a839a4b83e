using Distill.Training.Pretraining;

namespace Distill.Training.Tests.Comparison;

/// <summary>
/// A tiny teacher folder (GPT-2, 2 layers, hidden 32, 4 heads, a 300-token tokenizer, blocks of 16) trained for 30 steps
/// by <see cref="PretrainingJob"/> on a generated corpus of short English documents; shared by a test class.
/// </summary>
public sealed class ComparisonTeacherFixture : IAsyncLifetime
{
    private static readonly string[] s_subjects = ["the teacher", "the student", "a small model", "the large model", "the trainer"];
    private static readonly string[] s_verbs = ["learns from", "predicts", "copies", "writes", "reads"];
    private static readonly string[] s_objects = ["the next token", "a short story", "the data", "every word", "the answer"];

    public string Root { get; } = Directory.CreateTempSubdirectory("distill-compare-teacher-").FullName;

    public string Corpus => Path.Combine(Root, "corpus.txt");

    public string Folder => Path.Combine(Root, "teacher");

    public async ValueTask InitializeAsync()
    {
        // 80 documents of three sentences, separated by blank lines.
        var documents = Enumerable.Range(0, 80).Select(i => string.Join(' ', Enumerable.Range(0, 3).Select(j =>
        {
            var k = i * 3 + j;
            return $"{s_subjects[k % 5]} {s_verbs[k / 5 % 5]} {s_objects[(k / 25 + j) % 5]} #{i % 9}.";
        })));
        await File.WriteAllTextAsync(Corpus, string.Join("\n\n", documents) + "\n");
        var options = new PretrainingOptions
        {
            Inputs = [Corpus],
            OutputFolder = Folder,
            VocabSize = 300,
            Layers = 2,
            HiddenSize = 32,
            Heads = 4,
            BlockSize = 16,
            BatchSize = 8,
            Steps = 30,
            LearningRate = 5e-3,
            WarmupSteps = 2,
            ValidationFraction = 0.15,
        };
        var report = await new PretrainingJob(options).RunAsync(cancellationToken: CancellationToken.None);
        Assert.True(report.Completed);
        Assert.True(report.ValidationBlocks > 0);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
