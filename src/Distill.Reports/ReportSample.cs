namespace Distill.Reports;

/// <summary>A continuation of a prompt by one of the models.</summary>
public sealed record ReportSample(string Prompt, string Model, string Strategy, string Continuation, bool StoppedAtEos);
