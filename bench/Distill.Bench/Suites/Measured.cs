namespace Distill.Bench.Suites;

/// <summary>A case measured on both sides: the seconds of every timed run, and what each side computed.</summary>
public sealed record Measured(double[] Ours, double[] Theirs, IReadOnlyDictionary<string, double> OursResults, IReadOnlyDictionary<string, double> TheirResults);
