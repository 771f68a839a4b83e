namespace Distill.Bench.Reporting;

/// <summary>The result of one suite: the machine, one row per measurement, and notes on what was checked.</summary>
public sealed record BenchReport
{
    public required string Suite { get; init; }

    /// <summary>The peer's column heading, e.g. "PyTorch 1.13 eager".</summary>
    public required string PeerName { get; init; }

    public required MachineFacts Machine { get; init; }

    public required IReadOnlyList<BenchRow> Rows { get; init; }

    /// <summary>Checks made along the way (equal parameter counts, equal results), one sentence each.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public required double Seconds { get; init; }
}
