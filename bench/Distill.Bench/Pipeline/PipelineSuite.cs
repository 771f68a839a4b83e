using System.Diagnostics;
using System.Runtime.InteropServices;
using Distill.Bench.Measurement;
using Distill.Bench.Reporting;
using Distill.Contracts.Stages;
using Distill.Torch;
using Microsoft.Data.Sqlite;

namespace Distill.Bench.Pipeline;

/// <summary>
/// The pipeline suite: the embedded stack's costs, each against the raw operation beneath it measured in the same run
/// (the bus against bare SQLite transactions, blob checkpoints against a file copy), the latency from an event to the
/// next stage's start, and the share of a demo-like run's wall time the pipeline adds to the stage executors' work.
/// Everything happens in a temporary folder, deleted at the end.
/// </summary>
public static class PipelineSuite
{
    private const string RawSqlite = "raw SQLite: insert; select + claim; delete";

    public static PipelineReport Run(PipelinePlan plan, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        var clock = Stopwatch.StartNew();
        var loadAtStart = PipelineMachine.LoadAverage();
        var root = Directory.CreateTempSubdirectory("distill-bench-pipeline-").FullName;
        var rows = new List<PipelineRow>();
        var latencies = new List<LatencyRow>();
        var notes = new List<string>();
        OverheadResult? overhead = null;
        try
        {
            if (plan.Cases.Contains("bus"))
            {
                RunBus(plan, Path.Join(root, "bus"), rows, notes, progress, cancellationToken);
            }
            if (plan.Cases.Contains("checkpoint"))
            {
                RunCheckpoint(plan, Path.Join(root, "checkpoint"), rows, notes, progress, cancellationToken);
            }
            if (plan.Cases.Contains("latency") || plan.Cases.Contains("overhead"))
            {
                overhead = RunPipelines(plan, root, latencies, notes, progress, cancellationToken).GetAwaiter().GetResult();
            }
            var machine = new PipelineMachine
            {
                Cpu = MachineFacts.CpuModel(),
                Cores = Environment.ProcessorCount,
                LoadAtStart = loadAtStart,
                LoadAtEnd = PipelineMachine.LoadAverage(),
                StoreFolder = Path.GetDirectoryName(root) ?? root,
                FileSystem = PipelineMachine.FileSystemOf(root),
                SqliteVersion = SqliteVersion(root),
                LibtorchVersion = TorchRuntime.Version,
                Threads = TorchRuntime.Threads,
                Dotnet = RuntimeInformation.FrameworkDescription,
            };
            return new PipelineReport { Machine = machine, Rows = rows, Latencies = latencies, Overhead = overhead, Notes = notes, Seconds = clock.Elapsed.TotalSeconds };
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException e)
            {
                progress.WriteLine($"pipeline: could not delete {root}: {e.Message}");
            }
        }
    }

    private static void RunBus(PipelinePlan plan, string folder, List<PipelineRow> rows, List<string> notes, TextWriter progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var n = plan.BusMessages;
        (string Name, Func<(LocalSide, LocalSide)> Create)[] cases =
        [
            ("bus: send, receive, complete, one message at a time", () => BusCases.Sequential(folder, n, plan.BodyBytes)),
            ($"bus: batches of {plan.BusBatch} sent, each message received and completed", () => BusCases.Batched(folder, n, plan.BusBatch, plan.BodyBytes)),
            ("bus: 1 producer and 2 consumers, each on its own connection", () => BusCases.TwoConsumers(folder, n, plan.BodyBytes)),
        ];
        foreach (var (name, create) in cases)
        {
            progress.WriteLine($"pipeline: {name} ({n} messages per run)");
            var (bus, raw) = create();
            double[] ours, theirs;
            using (bus)
            using (raw)
            {
                (ours, theirs) = Interleaved.Measure(bus, raw, warmup: 1, plan.BusRepeats, cancellationToken);
            }
            rows.Add(new PipelineRow(name, "messages/s", Summary.Of(ours.Select(s => n / s)), RawSqlite, Summary.Of(theirs.Select(s => n / s)), null,
                new Dictionary<string, double> { ["messagesPerRun"] = n }));
        }
        notes.Add(Invariant($"Bus: the pipeline's topology and its stages queue (peek-lock, delivery count, duplicate detection), {plan.BodyBytes}-byte bodies, {n} messages per run; each operation of the bus and of the raw peer is one immediate transaction on a WAL database with synchronous=FULL (a flush per commit), so both pay 3 commits per message (the batches: 1 per {plan.BusBatch} sends). The ratio is what the bus's semantics and code add to the same commits."));
    }

    private static void RunCheckpoint(PipelinePlan plan, string folder, List<PipelineRow> rows, List<string> notes, TextWriter progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        progress.WriteLine($"pipeline: checkpoint of a GPT-2 (width {plan.CheckpointModel.Hidden}, {plan.CheckpointModel.Layers} layers, vocabulary {plan.CheckpointModel.Vocab}) with its AdamW moments");
        var (store, copy, bytes) = CheckpointCases.Create(folder, plan.CheckpointModel);
        double[] ours, theirs;
        using (store)
        using (copy)
        {
            (ours, theirs) = Interleaved.Measure(store, copy, warmup: 1, plan.CheckpointRepeats, cancellationToken);
        }
        var megabytes = bytes / 1e6;
        rows.Add(new PipelineRow(Invariant($"checkpoint save, {megabytes:F0} MB"), "MB/s", Summary.Of(ours.Select(s => megabytes / s)),
            "stream copy of the same files, flushed to disk", Summary.Of(theirs.Select(s => megabytes / s)), Goal.AtLeast(0.9),
            new Dictionary<string, double> { ["bytes"] = bytes }));
        notes.Add(Invariant($"Checkpoint: weights.safetensors and optimizer.safetensors ({megabytes:F0} MB) as the trainer writes them, saved by BlobCheckpointStore into a FolderBlobStore (upload, pointer write with its lease check, pruning of the last checkpoint), against copying the files into a new folder and deleting the last copy. Both flush each file to disk; the page cache holds the source files on both sides."));
    }

    private static async Task<OverheadResult?> RunPipelines(PipelinePlan plan, string root, List<LatencyRow> latencies, List<string> notes, TextWriter progress, CancellationToken cancellationToken)
    {
        progress.WriteLine("pipeline: making the demo-like run folder (license texts, tokenizer, teacher)");
        var runFolder = DemoRunFolder.Create(Path.Join(root, "run"), plan);
        var timelines = new List<RunTimeline>();
        OverheadResult? overhead = null;
        var harness = await PipelineHarness.StartAsync(Path.Join(root, "store"), cancellationToken).ConfigureAwait(false);
        await using (harness.ConfigureAwait(false))
        {
            if (plan.Cases.Contains("latency"))
            {
                runFolder.WriteManifest(plan, plan.LatencyRunSteps, checkpointEvery: 0, evaluationBlocks: 4);
                for (var i = 0; i < plan.LatencyRuns; i++)
                {
                    progress.WriteLine($"pipeline: short run {i + 1} of {plan.LatencyRuns} ({plan.LatencyRunSteps} steps)");
                    timelines.Add(await harness.RunAsync(runFolder.Root, plan.RunTimeout, cancellationToken).ConfigureAwait(false));
                }
            }
            if (plan.Cases.Contains("overhead"))
            {
                progress.WriteLine($"pipeline: demo-like run ({plan.OverheadSteps} steps of kd)");
                runFolder.WriteManifest(plan, plan.OverheadSteps, plan.OverheadCheckpointEvery, plan.OverheadEvaluationBlocks);
                var run = await harness.RunAsync(runFolder.Root, plan.RunTimeout, cancellationToken).ConfigureAwait(false);
                timelines.Add(run);
                overhead = Overhead(run, plan);
                notes.Add(Invariant($"Overhead: one kd run of {plan.OverheadSteps} steps (batch {plan.BatchSize}, block {plan.BlockSize}, checkpoint and validation every {plan.OverheadCheckpointEvery} steps, {plan.OverheadEvaluationBlocks} evaluation blocks) from a {runFolder.TeacherParameters:N0}-parameter GPT-2 teacher to a 2-layer width-64 student{(timelines.Count > 1 ? ", after the short runs (the process is warm, as a running `distill up` is)" : ", the process's first run (its first hand-off includes compiling the handlers' and runner's code)")}. Overhead = wall time − the executors' time: the hand-offs, the runner's work around each executor (lease, state, events, settling) and the gates and publication at the end."));
            }
        }
        if (timelines.Count > 0)
        {
            var handoffs = timelines.SelectMany(t => t.Handoffs()).ToList();
            foreach (var group in handoffs.GroupBy(h => (h.From, h.To)))
            {
                latencies.Add(LatencyRow.Of($"{Describe(group.Key.From)} → {group.Key.To} stage.started", [.. group.Select(h => h.Milliseconds)]));
            }
            latencies.Add(LatencyRow.Of("every hand-off", [.. handoffs.Select(h => h.Milliseconds)]));
            notes.Add(Invariant($"Latency: {timelines.Count} run{(timelines.Count == 1 ? "" : "s")} through LocalHandlerHost and one in-process StageWorker on one LocalStore; a hand-off goes from the event's publication time (the upload notification's send, or stage.completed's time) to the next stage's stage.started time, both stamped by the same clock. It covers the event's blob and bus message, the handler's receive, run-state update and stage command, the worker's receive, staleness check, lease, manifest check and state update. In one process a send wakes the receivers at once; across processes (`distill up` and `distill worker` apart) each of the two receives may wait up to the bus's 100 ms poll interval more."));
        }
        return overhead;
    }

    private static string Describe(string from) => from == "upload" ? "upload notification" : from + " stage.completed";

    private static OverheadResult Overhead(RunTimeline run, PipelinePlan plan)
    {
        var stages = run.StageTimings();
        return new OverheadResult
        {
            UploadSeconds = run.UploadSeconds,
            WallSeconds = (run.CompletedAt - run.NotifiedAt).TotalSeconds,
            ExecutorSeconds = stages.Sum(s => s.ExecutorSeconds),
            TrainingSeconds = run.Metric(StageNames.Distill, "trainingSeconds"),
            FinishSeconds = (run.CompletedAt - run.StageCompletedAt(stages[^1].Stage)).TotalSeconds,
            Stages = stages,
            TrainingSteps = plan.OverheadSteps,
            TeacherParameters = (long)run.Metric(StageNames.Prepare, "teacherParameters"),
            StudentParameters = (long)run.Metric(StageNames.Distill, "studentParameters"),
            Goal = Goal.AtMost(0.02),
        };
    }

    private static string SqliteVersion(string folder)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Join(folder, "version.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version();";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private static string Invariant(FormattableString text) => Suites.PeerSuite.Invariant(text);
}
