namespace Distill.Training.Data;

/// <summary>A piece of a document's text and whether its tokens count in the losses (prompts do not).</summary>
public sealed record DocumentSegment(string Text, bool Trainable);

/// <summary>One training document: where it came from and its text, in segments.</summary>
public sealed record Document(string Source, long Line, IReadOnlyList<DocumentSegment> Segments);
