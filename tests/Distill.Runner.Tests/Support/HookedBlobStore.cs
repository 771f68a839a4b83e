using Distill.Pipeline.Storage;

namespace Distill.Runner.Tests.Support;

/// <summary>A blob store that runs test hooks around the real one's reads and writes (to fail once, or to act at a precise moment).</summary>
public sealed class HookedBlobStore(IBlobStore inner) : IBlobStore
{
    /// <summary>Runs before every read of a blob's content; throw to fail the read.</summary>
    public Func<BlobAddress, Task>? BeforeGet { get; set; }

    /// <summary>Runs before every write; throw to fail it.</summary>
    public Func<BlobAddress, Task>? BeforePut { get; set; }

    /// <summary>Runs after every successful write.</summary>
    public Func<BlobAddress, Task>? AfterPut { get; set; }

    public Task<bool> CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken) =>
        inner.CreateContainerIfNotExistsAsync(container, cancellationToken);

    public async Task<BlobWriteResult> PutAsync(BlobAddress blob, Stream content, BlobPutOptions? options, CancellationToken cancellationToken)
    {
        if (BeforePut is { } before)
        {
            await before(blob);
        }
        var result = await inner.PutAsync(blob, content, options, cancellationToken);
        if (AfterPut is { } after)
        {
            await after(blob);
        }
        return result;
    }

    public async Task<BlobDownload> GetAsync(BlobAddress blob, BlobRange? range, CancellationToken cancellationToken)
    {
        if (BeforeGet is { } before)
        {
            await before(blob);
        }
        return await inner.GetAsync(blob, range, cancellationToken);
    }

    public Task<BlobProperties> GetPropertiesAsync(BlobAddress blob, CancellationToken cancellationToken) => inner.GetPropertiesAsync(blob, cancellationToken);

    public IAsyncEnumerable<BlobItem> ListAsync(string container, string? prefix, CancellationToken cancellationToken) =>
        inner.ListAsync(container, prefix, cancellationToken);

    public Task DeleteAsync(BlobAddress blob, BlobConditions? conditions, CancellationToken cancellationToken) => inner.DeleteAsync(blob, conditions, cancellationToken);

    public Task<string> AcquireLeaseAsync(BlobAddress blob, TimeSpan duration, string? proposedLeaseId, CancellationToken cancellationToken) =>
        inner.AcquireLeaseAsync(blob, duration, proposedLeaseId, cancellationToken);

    public Task RenewLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken) => inner.RenewLeaseAsync(blob, leaseId, cancellationToken);

    public Task ReleaseLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken) => inner.ReleaseLeaseAsync(blob, leaseId, cancellationToken);

    public Task<TimeSpan> BreakLeaseAsync(BlobAddress blob, TimeSpan? breakPeriod, CancellationToken cancellationToken) =>
        inner.BreakLeaseAsync(blob, breakPeriod, cancellationToken);
}
