namespace Distill.Training.Data;

/// <summary>How a plain text file is cut into documents (each document is held out whole for validation, and ends with EOS).</summary>
public enum TextDocuments
{
    /// <summary>
    /// Blank lines end a document, so a file of paragraphs gives one document per paragraph; with
    /// <see cref="DataOptions.DocumentSeparator"/> set, the separator lines end documents instead (blank lines stay inside).
    /// </summary>
    Paragraphs,

    /// <summary>The whole file is one document.</summary>
    File,
}
