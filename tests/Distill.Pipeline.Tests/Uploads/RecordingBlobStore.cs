using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Tests.Uploads;

/// <summary>A store that records the order of completed writes and passes everything to the real one.</summary>
internal sealed class RecordingBlobStore(IBlobStore inner) : IBlobStore
{
    public List<string> Writes { get; } = [];

    public async Task<BlobWriteResult> PutAsync(BlobAddress blob, Stream content, BlobPutOptions? options, CancellationToken cancellationToken)
    {
        var result = await inner.PutAsync(blob, content, options, cancellationToken);
        Writes.Add(blob.ToString());
        return result;
    }

    public Task<bool> CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken) => inner.CreateContainerIfNotExistsAsync(container, cancellationToken);

    public Task<BlobDownload> GetAsync(BlobAddress blob, BlobRange? range, CancellationToken cancellationToken) => inner.GetAsync(blob, range, cancellationToken);

    public Task<BlobProperties> GetPropertiesAsync(BlobAddress blob, CancellationToken cancellationToken) => inner.GetPropertiesAsync(blob, cancellationToken);

    public IAsyncEnumerable<BlobItem> ListAsync(string container, string? prefix, CancellationToken cancellationToken) => inner.ListAsync(container, prefix, cancellationToken);

    public Task DeleteAsync(BlobAddress blob, BlobConditions? conditions, CancellationToken cancellationToken) => inner.DeleteAsync(blob, conditions, cancellationToken);

    public Task<string> AcquireLeaseAsync(BlobAddress blob, TimeSpan duration, string? proposedLeaseId, CancellationToken cancellationToken) =>
        inner.AcquireLeaseAsync(blob, duration, proposedLeaseId, cancellationToken);

    public Task RenewLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken) => inner.RenewLeaseAsync(blob, leaseId, cancellationToken);

    public Task ReleaseLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken) => inner.ReleaseLeaseAsync(blob, leaseId, cancellationToken);

    public Task<TimeSpan> BreakLeaseAsync(BlobAddress blob, TimeSpan? breakPeriod, CancellationToken cancellationToken) => inner.BreakLeaseAsync(blob, breakPeriod, cancellationToken);
}
