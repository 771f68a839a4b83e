namespace Distill.Pipeline.Storage;

/// <summary>
/// Where a blob lives: a container and a name inside it, validated on construction (a bad name throws
/// <see cref="BlobStoreException"/> with <see cref="BlobStoreErrorReason.InvalidName"/>).
/// </summary>
/// <remarks>
/// Container names follow Azure's rules: 3 to 63 characters, lowercase letters, digits and single hyphens, starting
/// and ending with a letter or digit. Blob names are 1 to 1024 characters; '/' separates virtual folders
/// (<c>abc/state.json</c>). Names are stricter than Azure's so that every store can hold them, a folder on disk
/// included: no empty segment (no leading, trailing or doubled '/'), no <c>.</c> or <c>..</c> segment, no segment
/// ending in '.', no backslash, no control character, no unpaired surrogate, and at most 255 UTF-8 bytes per segment.
/// Names are case-sensitive.
/// </remarks>
public sealed record BlobAddress
{
    public BlobAddress(string container, string name)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(name);
        BlobNames.ThrowIfInvalidContainer(container);
        BlobNames.ThrowIfInvalidBlobName(container, name);
        Container = container;
        Name = name;
    }

    public string Container { get; }

    public string Name { get; }

    public override string ToString() => $"{Container}/{Name}";
}
