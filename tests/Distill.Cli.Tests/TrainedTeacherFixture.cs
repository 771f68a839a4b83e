using System.Text.Json;

namespace Distill.Cli.Tests;

/// <summary>
/// One tiny teacher trained by `distill train-teacher` (vocabulary ≤ 300, hidden 32, 2 layers, block 16, 20 steps),
/// shared by the tests that evaluate it and generate with it.
/// </summary>
public sealed class TrainedTeacherFixture : IAsyncLifetime
{
    public const int Steps = 20;

    public string Root { get; } = Directory.CreateTempSubdirectory("distill-cli-teacher-").FullName;

    public string Corpus => Path.Combine(Root, "corpus.jsonl");

    public string Folder => Path.Combine(Root, "teacher");

    internal CommandRun Run { get; private set; } = new(-1, "", "");

    /// <summary>The shape and training options of the tiny teacher (to follow --data and --out), with some replaced or added.</summary>
    public static string[] TinyShape(params string[] overrides)
    {
        var options = new List<(string Name, string Value)>
        {
            ("--vocab-size", "300"), ("--layers", "2"), ("--hidden", "32"), ("--heads", "4"), ("--block-size", "16"),
            ("--batch-size", "8"), ("--lr", "5e-3"), ("--warmup", "2"),
        };
        for (var i = 0; i + 1 < overrides.Length; i += 2)
        {
            var at = options.FindIndex(o => o.Name == overrides[i]);
            if (at >= 0)
            {
                options[at] = (overrides[i], overrides[i + 1]);
            }
            else
            {
                options.Add((overrides[i], overrides[i + 1]));
            }
        }
        return [.. options.SelectMany(o => new[] { o.Name, o.Value })];
    }

    public async ValueTask InitializeAsync()
    {
        TinyCorpus.Write(Corpus);
        Run = await CommandRun.RunAsync(
            ["train-teacher", "--data", Corpus, "--out", Folder, .. TinyShape(), "--steps", Steps.ToString(), "--json"],
            CancellationToken.None);
    }

    public JsonElement Result()
    {
        using var document = JsonDocument.Parse(Run.Output);
        return document.RootElement.Clone();
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
