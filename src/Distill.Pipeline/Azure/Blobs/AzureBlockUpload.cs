using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// One staged write of a blob: reads the source a block at a time, uploads up to
/// <see cref="AzureBlobClientOptions.MaxConcurrency"/> blocks at once (Put Block, each with the Content-MD5 of its
/// bytes), then commits them in order with one Put Block List carrying the content type, metadata, conditions and the
/// MD5 of the whole content. At most MaxConcurrency blocks are in memory, the one being read included. The commit is
/// the only step readers see: until it, the blob keeps its old content. The first failed block cancels the others
/// and is what the upload throws; blocks left uncommitted are discarded by the service.
/// </summary>
internal sealed class AzureBlockUpload(AzureBlobStore store, BlobAddress blob, BlobPutOptions options, AzureBlobTransferSizes sizes)
{
    // Block ids are unique to this upload, so that a concurrent writer's uncommitted blocks never mix with ours, and
    // all of one length (Blob Storage wants every block id of a blob the same length).
    private readonly string _uploadId = Guid.NewGuid().ToString("N");

    public async Task<BlobWriteResult> RunAsync(Stream source, CancellationToken cancellationToken)
    {
        var blockIds = new List<string>();
        var uploads = new List<Task>();
        var buffers = new ConcurrentBag<byte[]>();
        using var wholeMd5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var slots = new SemaphoreSlim(sizes.MaxConcurrency);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                var buffer = buffers.TryTake(out var free) ? free : new byte[sizes.BlockSize];
                var count = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, failed.Token).ConfigureAwait(false);
                if (count == 0)
                {
                    slots.Release();
                    break;
                }
                if (blockIds.Count == AzureBlobClientOptions.MaxBlockCount)
                {
                    throw new ArgumentException(
                        $"the content for blob '{blob.Name}' in container '{blob.Container}' needs more than {AzureBlobClientOptions.MaxBlockCount} blocks of {sizes.BlockSize} bytes; raise AzureBlobClientOptions.BlockSize",
                        nameof(source));
                }
                wholeMd5.AppendData(buffer, 0, count);
                var blockId = BlockId(blockIds.Count);
                blockIds.Add(blockId);
                uploads.Add(UploadBlockAsync(blockId, buffer, count, buffers, slots, failed));
                if (count < buffer.Length)
                {
                    break;
                }
            }
            await Task.WhenAll(uploads).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            await failed.CancelAsync().ConfigureAwait(false);
            foreach (var upload in uploads)
            {
                try
                {
                    await upload.ConfigureAwait(false);
                }
                catch (Exception) when (upload.IsFaulted || upload.IsCanceled)
                {
                    // Reported below: the first block that failed is the cause.
                }
            }
            if (error is OperationCanceledException && !cancellationToken.IsCancellationRequested &&
                uploads.Select(u => u.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) is { } cause)
            {
                ExceptionDispatchInfo.Throw(cause);
            }
            throw;
        }
        return await CommitAsync(blockIds, wholeMd5.GetHashAndReset(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The XML body of Put Block List: every block, in order, from the uncommitted ones just uploaded.</summary>
    internal static byte[] BlockListXml(IEnumerable<string> blockIds)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds)
        {
            xml.Append("<Latest>").Append(id).Append("</Latest>");
        }
        return Encoding.UTF8.GetBytes(xml.Append("</BlockList>").ToString());
    }

    private string BlockId(int index) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_uploadId}-{index.ToString("d6", CultureInfo.InvariantCulture)}"));

    private async Task UploadBlockAsync(string blockId, byte[] buffer, int count, ConcurrentBag<byte[]> buffers, SemaphoreSlim slots, CancellationTokenSource failed)
    {
        try
        {
            using var message = store.CreateMessage(RequestMethod.Put, blob.Container, blob.Name);
            var request = message.Request;
            request.Uri.AppendQuery("comp", "block");
            request.Uri.AppendQuery("blockid", blockId);
            AzureBlobStore.AddLeaseId(request, options.Conditions);
            var block = buffer.AsMemory(0, count);
            request.Headers.SetValue("Content-MD5", ContentMd5.Of(block.Span));
            request.Content = RequestContent.Create(block);
            await store.SendAsync(message, AzureBlobStore.ContextFor(blob, options.Conditions), failed.Token).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            buffers.Add(buffer);
            slots.Release();
        }
    }

    private async Task<BlobWriteResult> CommitAsync(List<string> blockIds, byte[] contentMd5, CancellationToken cancellationToken)
    {
        using var message = store.CreateMessage(RequestMethod.Put, blob.Container, blob.Name);
        var request = message.Request;
        request.Uri.AppendQuery("comp", "blocklist");
        AzureBlobStore.AddContentTypeAndMetadata(request, options, "x-ms-blob-content-type");
        AzureBlobStore.AddConditions(request, options.Conditions);
        request.Headers.SetValue("x-ms-blob-content-md5", Convert.ToBase64String(contentMd5));
        var body = BlockListXml(blockIds);
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/xml");
        request.Headers.SetValue("Content-MD5", ContentMd5.Of(body));
        request.Content = RequestContent.Create(body);
        var response = await store.SendAsync(message, AzureBlobStore.ContextFor(blob, options.Conditions), cancellationToken).ConfigureAwait(false);
        return AzureBlobHeaders.WriteResult(response, blob);
    }
}
