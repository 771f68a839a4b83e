namespace Distill.Cli.Commands;

/// <summary>One run in `distill status --json` without a run id.</summary>
internal sealed record RunSummary(string RunId, string Name, string Status, string? Stage, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
