namespace Distill.Pipeline.Storage;

/// <summary>
/// What <see cref="FolderBlobStore"/> records about a blob next to its content file: the properties, the lease, and
/// the staged content file of the version this sidecar committed (see <see cref="Staged"/>). Replacing the sidecar
/// is the commit point of every change to a blob.
/// </summary>
internal sealed record FolderBlobSidecar
{
    public required string ETag { get; init; }

    public required long Length { get; init; }

    public required string ContentType { get; init; }

    public required DateTimeOffset LastModified { get; init; }

    public required Dictionary<string, string> Metadata { get; init; }

    public FolderBlobLease? Lease { get; init; }

    /// <summary>
    /// The file in the staging folder that holds this version's content until it is renamed over the content file.
    /// While that file exists the rename is still to be done (the writer stopped between its commit and the rename);
    /// the next operation under the store lock finishes it. Once renamed, the file is gone and this is history.
    /// </summary>
    public string? Staged { get; init; }

    public BlobProperties ToProperties(DateTimeOffset now) => new()
    {
        Length = Length,
        ETag = ETag,
        LastModified = LastModified,
        ContentType = ContentType,
        Metadata = new Dictionary<string, string>(Metadata, StringComparer.OrdinalIgnoreCase).AsReadOnly(),
        LeaseState = FolderBlobLease.EffectiveState(Lease, now),
    };
}
