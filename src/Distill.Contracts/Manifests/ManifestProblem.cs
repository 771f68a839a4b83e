namespace Distill.Contracts.Manifests;

/// <summary>
/// One reason a manifest is invalid: the JSON path of the offending value (<c>training.steps</c>, <c>data.train[1]</c>;
/// empty for the document as a whole) and what is wrong with it.
/// </summary>
public sealed record ManifestProblem(string Path, string Message)
{
    /// <summary><c>{Path}: {Message}</c>, or the message alone for the whole document.</summary>
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";

    /// <summary>Reads a <c>path: message</c> text (as the method section's validation writes them); texts without a path get <paramref name="fallbackPath"/>.</summary>
    internal static ManifestProblem FromText(string text, string fallbackPath)
    {
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && text.StartsWith(fallbackPath, StringComparison.Ordinal) && !text[..colon].Contains(' ', StringComparison.Ordinal))
        {
            return new ManifestProblem(text[..colon], text[(colon + 2)..]);
        }
        return new ManifestProblem(fallbackPath, text);
    }
}
