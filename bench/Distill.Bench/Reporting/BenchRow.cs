using Distill.Bench.Measurement;

namespace Distill.Bench.Reporting;

/// <summary>
/// One measurement taken on both sides: Distill's and the peer's summaries in <see cref="Unit"/>, and
/// <see cref="Ratio"/> = Distill's median over the peer's. Notes carry secondary figures (tokens/s, parameters).
/// </summary>
public sealed record BenchRow(string Name, string Unit, Summary Ours, Summary Peer, Goal Goal,
    IReadOnlyDictionary<string, double> OursDetails, IReadOnlyDictionary<string, double> PeerDetails)
{
    public double Ratio => Ours.Median / Peer.Median;

    public bool GoalMet => Goal.IsMetBy(Ratio);
}
