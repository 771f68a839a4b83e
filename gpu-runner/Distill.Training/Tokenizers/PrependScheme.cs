namespace Distill.Training.Tokenizers;

/// <summary>When a <c>Metaspace</c> pre-tokenizer puts the replacement character before a piece.</summary>
internal enum PrependScheme
{
    /// <summary>Before every piece that does not start with it.</summary>
    Always,

    /// <summary>Only before the piece at the very start of the input.</summary>
    First,

    /// <summary>Never.</summary>
    Never,
}
