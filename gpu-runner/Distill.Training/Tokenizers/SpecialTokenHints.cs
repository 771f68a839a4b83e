namespace Distill.Training.Tokenizers;

/// <summary>Special tokens named by a tokenizer_config.json (as strings) or a config.json (as ids) beside a tokenizer.json.</summary>
internal sealed record SpecialTokenHints(
    string? Bos,
    string? Eos,
    string? Pad,
    string? Unk,
    int? BosId,
    int? EosId,
    int? PadId);
