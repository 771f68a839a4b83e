using System.Diagnostics;
using System.Text.Json.Nodes;
using Distill.Bench.Engine;
using Distill.Bench.Measurement;
using Distill.Bench.Peers;
using Distill.Bench.Reporting;
using Distill.Bench.Suites;
using Distill.Torch;

namespace Distill.Bench.Training;

/// <summary>
/// The training suite: sgemm on both sides for this run's peak, then a full training step of each model in
/// <see cref="TrainingPlan.Models"/>, set up on Distill's side and on the PyTorch peer's with the same shapes,
/// optimiser, threads and run counts and timed run by run in alternation. Each step row carries tokens/s, the
/// achieved GFLOP/s by nanoGPT's 6·N + 12·L·H·Q·T, and that as a fraction of the peak (the best sgemm run).
/// </summary>
public static class TrainingSuite
{
    public const string PeerScript = "training.py";

    private static readonly IReadOnlyDictionary<string, double> Empty = new Dictionary<string, double>();

    public static BenchReport Run(PeerProcess peer, TrainingPlan plan, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        var clock = Stopwatch.StartNew();
        var threads = TorchRuntime.Threads;
        var hello = PeerSuite.Hello(peer, threads);
        var rows = new List<BenchRow>();
        var notes = new List<string>();

        var (n, warmup, repeats) = plan.Sgemm;
        progress.WriteLine($"training: sgemm {n}³, for the peak");
        var (peak, peerPeak) = PeerSuite.Sgemm(peer, n, warmup, repeats, cancellationToken);
        rows.Add(new BenchRow($"sgemm {n}³", "GFLOP/s", peak, peerPeak, Goal.AtLeast(0.95), Empty, Empty));
        // The peak is the machine's, not a side's: the same OpenBLAS kernel serves both, and on a shared machine the
        // best run is the one least disturbed.
        var peakGflops = Math.Max(peak.Max, peerPeak.Max);

        foreach (var model in plan.Models.Where(m => plan.Cases.Contains(m.CaseName)))
        {
            progress.WriteLine($"training: {model.Label}");
            var measured = PeerSuite.Measure(TrainingCases.Step(model, plan.Settings, plan.ChunkTokens), peer, Request(model, plan.Settings),
                model.Warmup, model.Repeats, cancellationToken);
            var ours = Summary.Of(measured.Ours.Select(s => s * 1e3));
            var theirs = Summary.Of(measured.Theirs.Select(s => s * 1e3));
            var parameters = (long)PeerSuite.Result(measured.OursResults, "parameters");
            var peerParameters = (long)PeerSuite.Result(measured.TheirResults, "parameters");
            var matmul = (long)PeerSuite.Result(measured.OursResults, "matmul_parameters");
            var peerMatmul = (long)PeerSuite.Result(measured.TheirResults, "matmul_parameters");
            rows.Add(new BenchRow(PeerSuite.Invariant($"{model.Label} ({parameters / 1e6:F2}M parameters)"), "ms/step", ours, theirs, Goal.AtMost(1.0),
                Details(model, measured.OursResults, ours, peakGflops), Details(model, measured.TheirResults, theirs, peakGflops)));
            notes.Add(parameters == peerParameters && matmul == peerMatmul
                ? PeerSuite.Invariant($"{model.Label}: {parameters:N0} parameters on both sides, N = {matmul:N0}, {model.FlopsPerToken(matmul) / 1e6:F1} MFLOP per token; loss at steps 1 and {model.CheckStep}: {PeerSuite.Result(measured.OursResults, "first_loss"):F2} → {PeerSuite.Result(measured.OursResults, "check_loss"):F2} (Distill), {PeerSuite.Result(measured.TheirResults, "first_loss"):F2} → {PeerSuite.Result(measured.TheirResults, "check_loss"):F2} (PyTorch).")
                : PeerSuite.Invariant($"{model.Label}: **different models**: {parameters:N0} parameters (N = {matmul:N0}) in Distill, {peerParameters:N0} (N = {peerMatmul:N0}) in PyTorch."));
        }
        var settings = plan.Settings;
        notes.Add(PeerSuite.Invariant($"GFLOP/s = (6·N + 12·L·H·Q·T) FLOP per token (nanoGPT's estimate_mfu; H query heads, Q head dimension, T context) × tokens/s at the median step. N counts the parameters that multiply activations: all of them but the lookup-only embeddings (GPT-2's position embeddings; the Llama's token embedding, its head being untied), as nanoGPT subtracts wpe and keeps the tied wte. The fraction is of the peak: the best sgemm {n}³ run of either side, {peakGflops:F0} GFLOP/s."));
        notes.Add(PeerSuite.Invariant($"Step: forward, fp32 cross-entropy, backward, clip to norm {settings.Clip}, AdamW (lr {settings.LearningRate}, betas {settings.Beta1}/{settings.Beta2}, weight decay {settings.WeightDecay} on matrices and embeddings), zero-grad; dropout 0. Distill runs its trainer's step: LanguageModelingObjective, whose head and loss run in chunks of {plan.ChunkTokens} positions with a backward each, then the backward through the model (one chunk at these batch sizes). The PyTorch peer computes the loss unchunked over all logits, the usual PyTorch step, with torch.optim.AdamW's defaults (no foreach in 1.13)."));
        return PeerSuite.Report("training", hello, threads, rows, notes, clock);
    }

    private static JsonObject Request(TrainingModel model, TrainingSettings settings) => new()
    {
        ["case"] = model.CaseName,
        ["layers"] = model.Layers,
        ["hidden"] = model.Hidden,
        ["heads"] = model.Heads,
        ["kv_heads"] = model.KeyValueHeads,
        ["intermediate"] = model.Intermediate,
        ["context"] = model.Context,
        ["batch"] = model.Batch,
        ["vocab"] = model.Vocab,
        ["norm_eps"] = TrainingModel.NormEps,
        ["rope_theta"] = TrainingModel.RopeTheta,
        ["learning_rate"] = settings.LearningRate,
        ["weight_decay"] = settings.WeightDecay,
        ["beta1"] = settings.Beta1,
        ["beta2"] = settings.Beta2,
        ["eps"] = settings.Eps,
        ["clip"] = settings.Clip,
        ["batches"] = settings.Batches,
        ["seed"] = settings.Seed,
        ["check_step"] = model.CheckStep,
    };

    private static Dictionary<string, double> Details(TrainingModel model, IReadOnlyDictionary<string, double> results, Summary milliseconds, double peakGflops)
    {
        var tokensPerSecond = model.TokensPerStep / (milliseconds.Median / 1e3);
        var flopsPerToken = model.FlopsPerToken(PeerSuite.Result(results, "matmul_parameters"));
        var gflops = flopsPerToken * tokensPerSecond / 1e9;
        return new Dictionary<string, double>
        {
            ["tokensPerSecond"] = tokensPerSecond,
            ["gflops"] = gflops,
            ["peakGflops"] = peakGflops,
            ["peakFraction"] = gflops / peakGflops,
            ["flopsPerToken"] = flopsPerToken,
            ["parameters"] = PeerSuite.Result(results, "parameters"),
            ["matmulParameters"] = PeerSuite.Result(results, "matmul_parameters"),
            ["firstLoss"] = PeerSuite.Result(results, "first_loss"),
            ["checkLoss"] = PeerSuite.Result(results, "check_loss"),
        };
    }
}
