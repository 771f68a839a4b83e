namespace Distill.Cli.Commands;

/// <summary>`distill tokenize --json`: the tokenizer file, the ids, and the token strings when asked for.</summary>
internal sealed record TokenizeResult(string Tokenizer, int Count, IReadOnlyList<int> Ids, IReadOnlyList<string?>? Tokens);
