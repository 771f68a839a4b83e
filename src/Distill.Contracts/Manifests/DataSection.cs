namespace Distill.Contracts.Manifests;

/// <summary>
/// <c>data</c>: the training text and how it becomes token blocks. Files are JSON Lines (each line an object with the
/// text in <see cref="TextField"/>, or chat turns in <see cref="MessagesField"/>: <c>[{"role", "content"}]</c>) or
/// plain text (<c>.txt</c>, <c>.md</c>), cut into documents as <see cref="TextDocuments"/> says.
/// </summary>
public sealed record DataSection
{
    public const string DefaultTextField = "text";
    public const string DefaultMessagesField = "messages";
    public const int DefaultBlockSize = 128;
    public const double DefaultValidationFraction = 0.05;

    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>Training files or folders (every <c>.jsonl</c> file inside), relative to the upload's root. Required, at least one.</summary>
    public IReadOnlyList<string>? Train { get; set; }

    /// <summary>Validation files or folders. Absent: <see cref="ValidationFraction"/> of the training documents are held out instead.</summary>
    public IReadOnlyList<string>? Validation { get; set; }

    /// <summary>The field holding a document's text. Default <c>text</c>.</summary>
    public string TextField { get; set; } = DefaultTextField;

    /// <summary>The field holding chat turns. Default <c>messages</c>.</summary>
    public string MessagesField { get; set; } = DefaultMessagesField;

    /// <summary>For chat records, only assistant turns count in the losses; prompts are masked. Default true.</summary>
    public bool MaskPrompts { get; set; } = true;

    /// <summary>Tokens per training block (the context length); at least 2, at most the teacher's positions. Default 128.</summary>
    public int BlockSize { get; set; } = DefaultBlockSize;

    /// <summary>
    /// The share of training documents held out for validation when <see cref="Validation"/> is absent (chosen by a hash
    /// of each document, so stable), in (0, 1). Default 0.05. Setting it together with <see cref="Validation"/> is an error.
    /// </summary>
    public double? ValidationFraction { get; set; }

    /// <summary>How plain text files are cut into documents: <c>paragraphs</c> (default) or <c>file</c>.</summary>
    public TextDocumentsMode TextDocuments { get; set; } = TextDocumentsMode.Paragraphs;

    /// <summary>
    /// With <c>paragraphs</c>, a line that ends a document instead of blank lines (<c>%</c> in fortune files); absent,
    /// blank lines do.
    /// </summary>
    public string? DocumentSeparator { get; set; }

    /// <summary>What to do with records that cannot be read. Default <c>fail</c>.</summary>
    public InvalidRecordAction InvalidRecords { get; set; } = InvalidRecordAction.Fail;

    /// <summary>The held-out share in effect: 0 when validation files are given, else <see cref="ValidationFraction"/> or its default.</summary>
    public double EffectiveValidationFraction() => Validation is null ? ValidationFraction ?? DefaultValidationFraction : 0;
}
