namespace Distill.Training.Tokenizers;

/// <summary>
/// Whether two tokenizers share a vocabulary: the same number of ids and the same token string for every id, which
/// is what comparing two models' next-token distributions (agreement, KL, distillation) needs.
/// </summary>
public static class VocabularyComparison
{
    /// <summary>Null when the vocabularies are equal; otherwise the first difference, naming both tokenizers.</summary>
    public static string? Describe(BpeTokenizer first, BpeTokenizer second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.VocabSize != second.VocabSize)
        {
            return $"{first.Source} has {first.VocabSize} tokens but {second.Source} has {second.VocabSize}";
        }
        for (var id = 0; id < first.VocabSize; id++)
        {
            var a = first.IdToToken(id);
            var b = second.IdToToken(id);
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                return $"token {id} is {Quote(a)} in {first.Source} but {Quote(b)} in {second.Source}";
            }
        }
        return null;
    }

    private static string Quote(string? token) => token is null ? "(no token)" : $"'{token}'";
}
