namespace Distill.Training.Tokenizers;

/// <summary>
/// The <c>single</c> template of a <c>TemplateProcessing</c> post-processor: special-token ids around the encoded
/// sequence, e.g. <c>[BOS] $A</c>. (The <c>pair</c> template is not used: Distill encodes one text at a time.)
/// </summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<int[]?> items)
{
    /// <summary>The template's items in order; null stands for the sequence itself.</summary>
    public IReadOnlyList<int[]?> Items { get; } = items;

    public List<int> Apply(List<int> ids)
    {
        var output = new List<int>(ids.Count + 4);
        foreach (var item in Items)
        {
            output.AddRange(item ?? (IEnumerable<int>)ids);
        }
        return output;
    }

    /// <summary>The ids the template puts before the sequence.</summary>
    public IEnumerable<int> Prefix => Items.TakeWhile(i => i is not null).SelectMany(i => i!);

    /// <summary>The ids the template puts after the sequence.</summary>
    public IEnumerable<int> Suffix => Items.SkipWhile(i => i is not null).Skip(1).SelectMany(i => i ?? []);
}
