using System.CommandLine;
using Distill.Bench.Suites;

namespace Distill.Bench.Training;

/// <summary>`distill-bench training`: training throughput against PyTorch eager, printed as a Markdown table or JSON.</summary>
internal static class TrainingCommand
{
    public static Command Create() => SuiteCommand.Create(
        "training",
        "Training steps of a GPT-2 and a Llama at two sizes: tokens/s and achieved GFLOP/s against this run's sgemm peak, Distill vs PyTorch.",
        TrainingSuite.PeerScript,
        TrainingPlan.CaseNames,
        (peer, cases, progress, cancellationToken) =>
        {
            var plan = cases.Count == 0 ? new TrainingPlan() : new TrainingPlan { Cases = new HashSet<string>(cases, StringComparer.Ordinal) };
            return TrainingSuite.Run(peer, plan, progress, cancellationToken);
        });
}
