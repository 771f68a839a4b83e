using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Distill.Training.Data;

/// <summary>
/// Tokenized datasets kept between runs: one folder under <see cref="Root"/> per tokenizer, input paths and data
/// options, built or reused by <see cref="TokenDatasetBuilder"/> (which rebuilds the folder when the files' contents
/// changed). One process builds a given folder at a time.
/// </summary>
public sealed class TokenDatasetCache
{
    public const string EnvironmentVariable = "DISTILL_CACHE";

    public TokenDatasetCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>
    /// The datasets folder of the user's cache: <c>$DISTILL_CACHE/datasets</c>, else
    /// <c>$XDG_CACHE_HOME/distill/datasets</c>, else <c>~/.cache/distill/datasets</c>.
    /// </summary>
    public static string DefaultRoot
    {
        get
        {
            if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } distill)
            {
                return Path.Combine(distill, "datasets");
            }
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "distill", "datasets");
        }
    }

    /// <summary>The folder for these inputs (their full paths, in ordinal order), tokenizer and options.</summary>
    public string FolderFor(string tokenizerId, IReadOnlyList<string> inputs, DataOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenizerId);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(culture, $"tokenizer={tokenizerId}\nblock_size={options.BlockSize}\ntext_field={options.TextField}\n");
        text.Append(culture, $"messages_field={options.MessagesField}\nmask_prompts={options.MaskPrompts}\n");
        text.Append(culture, $"validation_fraction={options.ValidationFraction:R}\ninvalid_records={options.InvalidRecords}\n");
        text.Append(culture, $"text_documents={options.DescribeTextDocuments()}\n");
        foreach (var input in inputs.Select(Path.GetFullPath).Order(StringComparer.Ordinal))
        {
            text.Append(culture, $"input={input}\n");
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return Path.Combine(Root, hash[..16]);
    }

    /// <summary>Builds (or reuses) the dataset of <paramref name="inputs"/> in its folder; see <see cref="TokenDatasetBuilder.Build"/>.</summary>
    public TokenDatasetBuildResult Build(
        ITextTokenizer tokenizer,
        string tokenizerId,
        IReadOnlyList<string> inputs,
        DataOptions options,
        IProgress<TokenDatasetBuildProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var folder = FolderFor(tokenizerId, inputs, options);
        var builder = new TokenDatasetBuilder(tokenizer, tokenizerId, options) { MaxDegreeOfParallelism = Environment.ProcessorCount };
        return builder.Build(inputs, folder, progress, cancellationToken);
    }
}
