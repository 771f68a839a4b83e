namespace Distill.Cli.Commands;

/// <summary>`distill generate --json`: the continuation and how it was produced (the seed reproduces it).</summary>
internal sealed record GenerateResult(
    string Model,
    string Prompt,
    string Continuation,
    int NewTokens,
    bool StoppedAtEos,
    string Strategy,
    int MaxNewTokens,
    double Temperature,
    int TopK,
    double TopP,
    ulong Seed);
