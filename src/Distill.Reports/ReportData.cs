namespace Distill.Reports;

/// <summary>The tokenized data of a run, per split.</summary>
public sealed record ReportData
{
    public required int BlockSize { get; init; }

    public required long TrainDocuments { get; init; }

    public required long TrainTokens { get; init; }

    public required long TrainBlocks { get; init; }

    public required long ValidationDocuments { get; init; }

    public required long ValidationTokens { get; init; }

    public required long ValidationBlocks { get; init; }
}
