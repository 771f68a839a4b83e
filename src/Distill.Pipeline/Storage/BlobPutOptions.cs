namespace Distill.Pipeline.Storage;

/// <summary>Content type, metadata and conditions of a write. A write replaces the blob's content, type and metadata.</summary>
public sealed class BlobPutOptions
{
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>The MIME type stored with the blob; <see cref="DefaultContentType"/> when null.</summary>
    public string? ContentType { get; init; }

    /// <summary>
    /// Name/value pairs stored with the blob (Azure's x-ms-meta-*): names are C# identifiers and compare without case
    /// (a store may hand them back lowercased, as Azurite does); values are printable ASCII without leading or
    /// trailing spaces; 8 KiB in all.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public BlobConditions? Conditions { get; init; }

    internal const int MaxMetadataBytes = 8 * 1024;

    internal void Validate()
    {
        if (ContentType is not null && (ContentType.Length == 0 || !IsHeaderValue(ContentType)))
        {
            throw new ArgumentException($"content type '{ContentType}' is not a printable ASCII header value", nameof(ContentType));
        }
        Conditions?.Validate();
        if (Metadata is null)
        {
            return;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var size = 0;
        foreach (var (name, value) in Metadata)
        {
            if (!IsIdentifier(name))
            {
                throw new ArgumentException($"metadata name '{name}' is not a C# identifier (ASCII letters, digits, '_', not starting with a digit)", nameof(Metadata));
            }
            if (!seen.Add(name))
            {
                throw new ArgumentException($"metadata name '{name}' is given twice (names are compared without case)", nameof(Metadata));
            }
            ArgumentNullException.ThrowIfNull(value, nameof(Metadata));
            if (!IsHeaderValue(value) || (value.Length > 0 && (value[0] == ' ' || value[^1] == ' ')))
            {
                throw new ArgumentException($"metadata value of '{name}' must be printable ASCII without leading or trailing spaces", nameof(Metadata));
            }
            size += name.Length + value.Length;
        }
        if (size > MaxMetadataBytes)
        {
            throw new ArgumentException($"metadata takes {size} bytes, more than the {MaxMetadataBytes} allowed", nameof(Metadata));
        }
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsHeaderValue(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }
}
