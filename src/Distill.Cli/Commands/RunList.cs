namespace Distill.Cli.Commands;

/// <summary>`distill status --json` without a run id: every run, newest first.</summary>
internal sealed record RunList(IReadOnlyList<RunSummary> Runs);
