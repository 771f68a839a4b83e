namespace Distill.Reports;

/// <summary>The files of a run report folder (<c>runs/{runId}/report/</c>).</summary>
public static class RunReportFiles
{
    /// <summary>The report itself.</summary>
    public const string Markdown = "report.md";

    /// <summary>The loss curves of the training stages.</summary>
    public const string LossChart = "loss.png";

    /// <summary>The evaluation's full numbers and samples (the engine's evaluation report as JSON).</summary>
    public const string Evaluation = "evaluation.json";
}
