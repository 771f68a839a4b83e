namespace Distill.Training.Data;

/// <summary>How input files become documents and documents become packed training blocks.</summary>
public sealed record DataOptions
{
    /// <summary>The JSONL field holding a document's text.</summary>
    public string TextField { get; init; } = "text";

    /// <summary>The JSONL field holding chat turns ([{"role", "content"}]); rendered as plain "Role: content" lines.</summary>
    public string MessagesField { get; init; } = "messages";

    /// <summary>For chat records: only assistant turns contribute to the losses; prompts are masked out.</summary>
    public bool MaskPrompts { get; init; } = true;

    /// <summary>How plain text files are cut into documents: at blank lines (paragraphs) by default, or whole.</summary>
    public TextDocuments TextDocuments { get; init; } = TextDocuments.Paragraphs;

    /// <summary>
    /// A line that, alone and trimmed, ends a document of a plain text file instead of blank lines (<c>%</c> in fortune
    /// files); null splits at blank lines.
    /// </summary>
    public string? DocumentSeparator { get; init; }

    /// <summary>Tokens per training block (the context length).</summary>
    public int BlockSize { get; init; } = 128;

    /// <summary>The share of documents held out for validation, chosen by a hash of the document (stable).</summary>
    public double ValidationFraction { get; init; } = 0.05;

    public InvalidRecordPolicy InvalidRecords { get; init; } = InvalidRecordPolicy.Fail;

    /// <summary>Blocks per shard file.</summary>
    public int BlocksPerShard { get; init; } = 16384;

    /// <summary>How plain text files become documents, in words ("paragraphs", "documents ended by '%' lines", "whole files").</summary>
    public string DescribeTextDocuments() => TextDocuments == TextDocuments.File
        ? "whole files"
        : DocumentSeparator is null ? "paragraphs" : $"documents ended by '{DocumentSeparator.Trim()}' lines";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TextField))
        {
            throw new ArgumentException("the text field name is empty", nameof(TextField));
        }
        if (BlockSize < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "a block needs at least 2 tokens");
        }
        if (ValidationFraction is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "must be in [0, 1)");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(BlocksPerShard, 1);
        if (DocumentSeparator is not null && DocumentSeparator.Trim().Length == 0)
        {
            throw new ArgumentException("the document separator is blank; leave it unset to split at blank lines", nameof(DocumentSeparator));
        }
    }
}
