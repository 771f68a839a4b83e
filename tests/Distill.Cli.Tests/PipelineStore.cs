using System.Buffers.Binary;
using System.Text;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Pipeline.Events;
using Distill.Pipeline.Local;
using Microsoft.Data.Sqlite;

namespace Distill.Cli.Tests;

/// <summary>A temporary folder with a run folder to submit and a store path, and helpers that write runs into the store.</summary>
internal sealed class PipelineStore : IDisposable
{
    public PipelineStore()
    {
        Root = Path.Combine(Path.GetTempPath(), "distill-cli-pipeline", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string StorePath => Path.Combine(Root, "store");

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the temp folder is cleaned by the system.
        }
    }

    /// <summary>A run folder: a GPT-2 teacher (config, a tiny safetensors, tokenizer), training data and <paramref name="manifest"/>.</summary>
    public string WriteRunFolder(string manifest = """{"version": 1, "name": "tiny-kd", "data": {"train": ["data/train.jsonl"], "blockSize": 16}, "student": {"layers": 2}, "method": {"name": "kd"}}""")
    {
        var folder = Path.Combine(Root, "run");
        Directory.CreateDirectory(Path.Combine(folder, "teacher"));
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllText(Path.Combine(folder, "teacher", "config.json"), """{"model_type": "gpt2", "vocab_size": 64, "n_embd": 32, "n_layer": 4, "n_head": 4, "n_positions": 64}""");
        var header = Encoding.UTF8.GetBytes("""{"transformer.wte.weight":{"dtype":"F32","shape":[64,32],"data_offsets":[0,8192]}}""");
        var weights = new byte[8 + header.Length + 8192];
        BinaryPrimitives.WriteUInt64LittleEndian(weights, (ulong)header.Length);
        header.CopyTo(weights, 8);
        File.WriteAllBytes(Path.Combine(folder, "teacher", "model.safetensors"), weights);
        File.WriteAllText(Path.Combine(folder, "teacher", "tokenizer.json"), """{"model": {"type": "BPE", "vocab": {}, "merges": []}}""");
        TinyCorpus.Write(Path.Combine(folder, "data", "train.jsonl"), 20);
        File.WriteAllText(Path.Combine(folder, "pipeline.json"), manifest);
        return folder;
    }

    public Task<LocalStore> OpenAsync(TimeProvider? time = null) => LocalStore.OpenAsync(StorePath, time ?? TimeProvider.System, Cancel);

    /// <summary>Writes a run whose events and state the test controls: accepted, then each event published at its own time.</summary>
    public static async Task<RunState> WriteRunAsync(LocalStore store, string runId, DateTimeOffset start, params DistillEventData[] events)
    {
        var runs = store.CreateContext().Runs;
        var state = RunState.Accept(runId, "tiny-kd", new string('a', 64), [StageNames.Prepare, StageNames.Distill, StageNames.Evaluate], start);
        await runs.TryCreateAsync(state, Cancel);
        var clock = new ManualClock(start);
        var publisher = new PipelineEventPublisher(store.Bus, store.Blobs, clock);
        foreach (var data in events)
        {
            clock.Now += TimeSpan.FromSeconds(10);
            await PublishAsync(publisher, data);
        }
        return state;
    }

    public static Task PublishAsync(PipelineEventPublisher publisher, DistillEventData data) => publisher.PublishAsync(data, Cancel);

    /// <summary>A clock the test moves.</summary>
    internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
