namespace Distill.Pipeline.Storage;

/// <summary>
/// A byte range to read: from <see cref="Offset"/>, <see cref="Length"/> bytes or to the end when null. A range that
/// runs past the end of the blob is cut at the end; one that starts beyond the end fails with
/// <see cref="BlobStoreErrorReason.InvalidRange"/>.
/// </summary>
public readonly record struct BlobRange
{
    public BlobRange(long offset, long? length = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(length));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, long.MaxValue - offset, nameof(length));
        }
        Offset = offset;
        Length = length;
    }

    public long Offset { get; }

    public long? Length { get; }
}
