using System.Diagnostics;
using System.Text.Json.Nodes;
using Distill.Bench.Measurement;
using Distill.Bench.Peers;
using Distill.Bench.Reporting;
using Distill.Bench.Suites;
using Distill.Torch;

namespace Distill.Bench.Engine;

/// <summary>
/// The engine suite: sgemm throughput, per-op overhead of a small-tensor op chain, and a GPT-2 training step, each
/// set up on Distill's side and on the PyTorch peer's with the same sizes, threads and run counts, then timed run by
/// run in alternation.
/// </summary>
public static class EngineSuite
{
    public const string PeerScript = "engine.py";

    private static readonly IReadOnlyDictionary<string, double> Empty = new Dictionary<string, double>();

    public static BenchReport Run(PeerProcess peer, EnginePlan plan, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        var clock = Stopwatch.StartNew();
        var threads = TorchRuntime.Threads;
        var hello = PeerSuite.Hello(peer, threads);
        var rows = new List<BenchRow>();
        var notes = new List<string>();
        if (plan.Cases.Contains("sgemm"))
        {
            RunSgemm(peer, plan, rows, progress, cancellationToken);
        }
        if (plan.Cases.Contains("chain"))
        {
            RunChain(peer, plan, rows, notes, progress, cancellationToken);
        }
        if (plan.Cases.Contains("train"))
        {
            RunTraining(peer, plan, rows, notes, progress, cancellationToken);
        }
        return PeerSuite.Report("engine", hello, threads, rows, notes, clock);
    }

    private static void RunSgemm(PeerProcess peer, EnginePlan plan, List<BenchRow> rows, TextWriter progress, CancellationToken cancellationToken)
    {
        foreach (var (n, warmup, repeats) in plan.Sgemm)
        {
            progress.WriteLine($"engine: sgemm {n}³");
            var (ours, theirs) = PeerSuite.Sgemm(peer, n, warmup, repeats, cancellationToken);
            rows.Add(new BenchRow($"sgemm {n}³", "GFLOP/s", ours, theirs, Goal.AtLeast(0.95), Empty, Empty));
        }
    }

    private static void RunChain(PeerProcess peer, EnginePlan plan, List<BenchRow> rows, List<string> notes, TextWriter progress, CancellationToken cancellationToken)
    {
        progress.WriteLine($"engine: op chain of {OpChain.Ops.Count} ops on {plan.ChainElements} elements");
        var request = new JsonObject
        {
            ["case"] = "chain",
            ["ops"] = new JsonArray([.. OpChain.Ops.Select(op => JsonValue.Create(op))]),
            ["elements"] = plan.ChainElements,
            ["iterations"] = plan.ChainIterations,
        };
        var measured = PeerSuite.Measure(DistillCases.Chain(plan.ChainElements, plan.ChainIterations), peer, request, plan.ChainWarmup, plan.ChainRepeats, cancellationToken);
        var opsPerRun = (double)plan.ChainIterations * OpChain.Ops.Count;
        rows.Add(new BenchRow($"op chain ({OpChain.Ops.Count} ops, {plan.ChainElements} elements)", "ns/op",
            Summary.Of(measured.Ours.Select(s => s * 1e9 / opsPerRun)), Summary.Of(measured.Theirs.Select(s => s * 1e9 / opsPerRun)),
            Goal.AtMost(0.5), Empty, Empty));
        var checksum = PeerSuite.Result(measured.OursResults, "checksum");
        var peerChecksum = PeerSuite.Result(measured.TheirResults, "checksum");
        notes.Add(Math.Abs(checksum - peerChecksum) <= 1e-5 * Math.Max(1, Math.Abs(checksum))
            ? PeerSuite.Invariant($"Op chain: {string.Join(", ", OpChain.Ops)}, with a TensorScope per chain on Distill's side; both sides compute the same result (sum {checksum:G7}).")
            : PeerSuite.Invariant($"Op chain: the results **differ** (sum {checksum:G7} in Distill, {peerChecksum:G7} in PyTorch): the two chains are not the same."));
    }

    private static void RunTraining(PeerProcess peer, EnginePlan plan, List<BenchRow> rows, List<string> notes, TextWriter progress, CancellationToken cancellationToken)
    {
        var settings = plan.TrainingSettings;
        foreach (var size in plan.Training)
        {
            progress.WriteLine($"engine: training step, {size.Label}");
            var measured = PeerSuite.Measure(DistillCases.Train(size, settings), peer, TrainingRequest(size, settings), size.Warmup, size.Repeats, cancellationToken);
            var ours = Summary.Of(measured.Ours.Select(s => s * 1e3));
            var theirs = Summary.Of(measured.Theirs.Select(s => s * 1e3));
            rows.Add(new BenchRow($"train step {size.Label}", "ms/step", ours, theirs, Goal.AtMost(1.0),
                Details(measured.OursResults, size, ours), Details(measured.TheirResults, size, theirs)));
            var parameters = (long)PeerSuite.Result(measured.OursResults, "parameters");
            var peerParameters = (long)PeerSuite.Result(measured.TheirResults, "parameters");
            notes.Add(parameters == peerParameters
                ? PeerSuite.Invariant($"{size.Label}: {parameters:N0} parameters on both sides; loss at steps 1 and {size.CheckStep}: {PeerSuite.Result(measured.OursResults, "first_loss"):F2} → {PeerSuite.Result(measured.OursResults, "check_loss"):F2} (Distill), {PeerSuite.Result(measured.TheirResults, "first_loss"):F2} → {PeerSuite.Result(measured.TheirResults, "check_loss"):F2} (PyTorch).")
                : PeerSuite.Invariant($"{size.Label}: **different parameter counts**, {parameters:N0} in Distill and {peerParameters:N0} in PyTorch: the models are not the same."));
        }
        notes.Add(PeerSuite.Invariant($"Training step: forward, cross-entropy, backward, clip to norm {settings.Clip}, AdamW (lr {settings.LearningRate}, betas {settings.Beta1}/{settings.Beta2}, weight decay {settings.WeightDecay} on matrices and embeddings), zero-grad; dropout 0; PyTorch's AdamW with its defaults (no foreach in 1.13)."));
    }

    private static JsonObject TrainingRequest(TrainingSize size, TrainingSettings settings) => new()
    {
        ["case"] = "train",
        ["layers"] = size.Layers,
        ["hidden"] = size.Hidden,
        ["heads"] = size.Heads,
        ["context"] = size.Context,
        ["batch"] = size.Batch,
        ["vocab"] = size.Vocab,
        ["learning_rate"] = settings.LearningRate,
        ["weight_decay"] = settings.WeightDecay,
        ["beta1"] = settings.Beta1,
        ["beta2"] = settings.Beta2,
        ["eps"] = settings.Eps,
        ["clip"] = settings.Clip,
        ["batches"] = settings.Batches,
        ["seed"] = settings.Seed,
        ["check_step"] = size.CheckStep,
    };

    private static Dictionary<string, double> Details(IReadOnlyDictionary<string, double> results, TrainingSize size, Summary milliseconds) => new()
    {
        ["tokensPerSecond"] = size.TokensPerStep / (milliseconds.Median / 1e3),
        ["parameters"] = PeerSuite.Result(results, "parameters"),
        ["firstLoss"] = PeerSuite.Result(results, "first_loss"),
        ["checkLoss"] = PeerSuite.Result(results, "check_loss"),
    };
}
