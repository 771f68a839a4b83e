using Distill.Contracts.Models;

namespace Distill.Reports;

/// <summary>A model in the report: where it came from, its config and its parameter count (tied weights once).</summary>
public sealed record ReportModel(string Source, ModelConfig Config, long Parameters);
