using Distill.Bench.Measurement;
using Distill.Bench.Reporting;

namespace Distill.Bench.Pipeline;

/// <summary>
/// A pipeline measurement against the raw operation it is built on, timed in the same run: Distill's summary and the
/// peer's in <see cref="Unit"/> (higher is better), <see cref="Ratio"/> = Distill's median over the peer's, and a goal
/// where the issue sets one.
/// </summary>
public sealed record PipelineRow(string Name, string Unit, Summary Ours, string PeerName, Summary Peer, Goal? Goal,
    IReadOnlyDictionary<string, double> Details)
{
    public double Ratio => Ours.Median / Peer.Median;

    /// <summary>Null when the row has no goal.</summary>
    public bool? GoalMet => Goal?.IsMetBy(Ratio);
}
