namespace Distill.Reports;

/// <summary>A file beside the report: its name (relative to the report) and a caption.</summary>
public sealed record ReportImage(string FileName, string Caption);
