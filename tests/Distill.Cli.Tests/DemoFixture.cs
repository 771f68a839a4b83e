using Microsoft.Data.Sqlite;

namespace Distill.Cli.Tests;

/// <summary>
/// One `distill demo` with tiny sizes (a 2-layer, 32-wide teacher for 20 steps, a 1-layer student for 10) on the tiny
/// corpus into a temporary store, run once for the demo tests.
/// </summary>
public sealed class DemoFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("distill-cli-demo-").FullName;

    public string Store => Path.Combine(Root, "store");

    public string Corpus => Path.Combine(Root, "corpus.jsonl");

    public string TeacherFolder => Path.Combine(Store, "demo", "teacher");

    internal CommandRun Run { get; private set; } = new(-1, "", "");

    /// <summary>
    /// The demo's arguments on this store and corpus with the tiny sizes; <paramref name="overrides"/> (name, value pairs)
    /// replace or add options, and a trailing name alone (a flag such as --json) is added.
    /// </summary>
    public string[] Args(params string[] overrides)
    {
        var options = new List<(string Name, string? Value)>
        {
            ("--store", Store), ("--corpus", Corpus), ("--vocab-size", "300"), ("--teacher-layers", "2"), ("--teacher-hidden", "32"),
            ("--student-layers", "1"), ("--student-hidden", "32"), ("--heads", "4"), ("--block-size", "16"), ("--batch-size", "8"),
            ("--teacher-steps", "20"), ("--steps", "10"),
        };
        for (var i = 0; i < overrides.Length; i += 2)
        {
            var value = i + 1 < overrides.Length ? overrides[i + 1] : null;
            var at = options.FindIndex(o => o.Name == overrides[i]);
            if (at >= 0)
            {
                options[at] = (overrides[i], value);
            }
            else
            {
                options.Add((overrides[i], value));
            }
        }
        return ["demo", .. options.SelectMany(o => o.Value is null ? new[] { o.Name } : [o.Name, o.Value])];
    }

    public async ValueTask InitializeAsync()
    {
        TinyCorpus.Write(Corpus, 60);
        Run = await CommandRun.RunAsync(Args(), CancellationToken.None);
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
