using System.Text.Json.Serialization;

namespace Distill.Contracts.Manifests;

/// <summary>How a plain text file is cut into documents (<c>data.textDocuments</c>); a document is held out whole for validation.</summary>
public enum TextDocumentsMode
{
    /// <summary><c>paragraphs</c>: blank lines end a document, or the <c>data.documentSeparator</c> lines when it is set.</summary>
    [JsonStringEnumMemberName("paragraphs")]
    Paragraphs,

    /// <summary><c>file</c>: each file is one document.</summary>
    [JsonStringEnumMemberName("file")]
    File,
}
