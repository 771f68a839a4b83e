using System.CommandLine;
using Distill.Bench.Suites;

namespace Distill.Bench.Engine;

/// <summary>`distill-bench engine`: the engine suite against PyTorch eager, printed as a Markdown table or JSON.</summary>
internal static class EngineCommand
{
    public static Command Create() => SuiteCommand.Create(
        "engine",
        "sgemm GFLOP/s, per-op overhead and a GPT-2 training step: Distill.Torch vs PyTorch on the same libtorch.",
        EngineSuite.PeerScript,
        EnginePlan.CaseNames,
        (peer, cases, progress, cancellationToken) =>
        {
            var plan = cases.Count == 0 ? new EnginePlan() : new EnginePlan { Cases = new HashSet<string>(cases, StringComparer.Ordinal) };
            return EngineSuite.Run(peer, plan, progress, cancellationToken);
        });
}
