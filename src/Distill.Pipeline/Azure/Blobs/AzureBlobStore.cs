using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// An <see cref="IBlobStore"/> on Azure Blob Storage (or Azurite), speaking the Blob REST API through one Azure.Core
/// <see cref="HttpPipeline"/>: its retry policy retries transient failures (and is the only layer that does), its
/// logging policy logs them. Each method is one REST operation; <see cref="PutAsync"/> writes content up to
/// <see cref="AzureBlobClientOptions.SingleUploadThreshold"/> with one Put Blob, longer content as blocks uploaded in
/// parallel (Put Block, each with its Content-MD5) committed by one Put Block List.
/// </summary>
/// <remarks>
/// Failures the caller can act on throw <see cref="BlobStoreException"/> with the reason the x-ms-error-code maps to;
/// failures that outlast the pipeline's retries throw it with <see cref="BlobStoreErrorReason.ServiceUnavailable"/>.
/// A write that the pipeline retried after a lost response may find its own first attempt: with
/// <see cref="BlobConditions.IfNotExists"/> it then fails with <see cref="BlobStoreErrorReason.ConditionNotMet"/>
/// although the content is there. A read's <see cref="BlobDownload.Content"/> streams the response body; a
/// connection lost while reading it surfaces as an <see cref="IOException"/> from the stream.
/// </remarks>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>The Entra ID scope of Blob Storage.</summary>
    public const string StorageScope = "https://storage.azure.com/.default";

    private static readonly BlobPutOptions s_defaultPutOptions = new();

    private readonly HttpPipeline _pipeline;
    private readonly Uri _serviceUri;
    private readonly AzureBlobTransferSizes _sizes;

    /// <summary>A store on the account <paramref name="options"/> name, sending through a pipeline built from <paramref name="clientOptions"/>.</summary>
    public AzureBlobStore(AzureBlobStoreOptions options, AzureBlobClientOptions? clientOptions = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        clientOptions ??= new AzureBlobClientOptions();
        _sizes = clientOptions.ValidatedSizes();
        // Validation guarantees the endpoint, and the account and key that Shared Key needs.
        _serviceUri = options.ServiceUri ?? throw new ArgumentException("ServiceUri is required", nameof(options));
        timeProvider ??= TimeProvider.System;

        var (perCall, perRetry) = AuthenticationPolicies(options, timeProvider);
        _pipeline = HttpPipelineBuilder.Build(clientOptions, perCall, perRetry, new ResponseClassifier());
    }

    /// <summary>The Blob service endpoint requests go to.</summary>
    public Uri ServiceUri => _serviceUri;

    public async Task<bool> CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        BlobNames.ThrowIfInvalidContainer(container);
        using var message = CreateMessage(RequestMethod.Put, container, null);
        message.Request.Uri.AppendQuery("restype", "container");
        var response = await SendAsync(message, new AzureBlobErrorContext(container, null), cancellationToken, allowedCode: "ContainerAlreadyExists").ConfigureAwait(false);
        return response.Status == 201;
    }

    public async Task<BlobWriteResult> PutAsync(BlobAddress blob, Stream content, BlobPutOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(content);
        options ??= s_defaultPutOptions;
        options.Validate();

        // Read up to one byte past the threshold: content that fits goes in one Put Blob, longer content in blocks.
        var (first, read) = await ReadPrefixAsync(content, _sizes.SingleUploadThreshold + 1, cancellationToken).ConfigureAwait(false);
        if (read <= _sizes.SingleUploadThreshold)
        {
            return await PutBlobAsync(blob, first.AsMemory(0, read), options, cancellationToken).ConfigureAwait(false);
        }
        var source = new PrefixedStream(first.AsMemory(0, read), content);
        await ThrowIfConditionsFailAsync(blob, options.Conditions, cancellationToken).ConfigureAwait(false);
        var upload = new AzureBlockUpload(this, blob, options, _sizes);
        return await upload.RunAsync(source, cancellationToken).ConfigureAwait(false);
    }

    public async Task<BlobDownload> GetAsync(BlobAddress blob, BlobRange? range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        // Blob Storage refuses any range of an empty blob (416), where a range from 0 means all of nothing here: on a
        // 416 for such a range, read the whole blob instead; should it no longer be empty, ask for the range again.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await DownloadAsync(blob, range, cancellationToken).ConfigureAwait(false);
            }
            catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.InvalidRange && range is { Offset: 0 } && attempt < 3)
            {
                var whole = await DownloadAsync(blob, null, cancellationToken).ConfigureAwait(false);
                if (whole.ContentLength == 0)
                {
                    return whole;
                }
                await whole.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task<BlobProperties> GetPropertiesAsync(BlobAddress blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        using var message = CreateMessage(RequestMethod.Head, blob.Container, blob.Name);
        var response = await SendAsync(message, AzureBlobErrorContext.For(blob), cancellationToken).ConfigureAwait(false);
        return AzureBlobHeaders.Properties(response, blob, AzureBlobHeaders.Long(response, "Content-Length", blob));
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string container, string? prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        BlobNames.ThrowIfInvalidContainer(container);
        prefix ??= "";
        BlobNames.ThrowIfInvalidPrefix(container, prefix);
        string? marker = null;
        do
        {
            AzureBlobListPage page;
            using (var message = CreateMessage(RequestMethod.Get, container, null))
            {
                var uri = message.Request.Uri;
                uri.AppendQuery("restype", "container");
                uri.AppendQuery("comp", "list");
                if (prefix.Length > 0)
                {
                    uri.AppendQuery("prefix", prefix);
                }
                if (marker is not null)
                {
                    uri.AppendQuery("marker", marker);
                }
                uri.AppendQuery("maxresults", _sizes.ListPageSize.ToString(CultureInfo.InvariantCulture));
                uri.AppendQuery("include", "metadata");
                var response = await SendAsync(message, new AzureBlobErrorContext(container, null), cancellationToken).ConfigureAwait(false);
                page = AzureBlobListPage.Parse(response.Content.ToStream(), container);
            }
            foreach (var item in page.Items)
            {
                yield return item;
            }
            marker = page.NextMarker;
        }
        while (marker is not null);
    }

    public async Task DeleteAsync(BlobAddress blob, BlobConditions? conditions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        conditions?.Validate();
        using var message = CreateMessage(RequestMethod.Delete, blob.Container, blob.Name);
        AddConditions(message.Request, conditions);
        await SendAsync(message, ContextFor(blob, conditions), cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> AcquireLeaseAsync(BlobAddress blob, TimeSpan duration, string? proposedLeaseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BlobLeases.ValidateDuration(duration);
        var proposed = proposedLeaseId is null ? (Guid?)null : BlobLeases.ParseLeaseId(proposedLeaseId, nameof(proposedLeaseId));
        using var message = LeaseMessage(blob, "acquire");
        message.Request.Headers.SetValue("x-ms-lease-duration",
            duration == BlobLeases.InfiniteDuration ? "-1" : ((long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        if (proposed is { } id)
        {
            message.Request.Headers.SetValue("x-ms-proposed-lease-id", BlobLeases.Format(id));
        }
        var response = await SendAsync(message, AzureBlobErrorContext.For(blob) with { LeaseId = proposedLeaseId }, cancellationToken).ConfigureAwait(false);
        var leaseId = AzureBlobHeaders.Required(response, "x-ms-lease-id", blob);
        return Guid.TryParse(leaseId, out var acquired)
            ? BlobLeases.Format(acquired)
            : throw AzureBlobHeaders.Malformed(blob.Container, blob.Name, $"the lease id '{leaseId}' is not a GUID");
    }

    public Task RenewLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken) =>
        ChangeLeaseAsync(blob, "renew", leaseId, cancellationToken);

    public Task ReleaseLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken) =>
        ChangeLeaseAsync(blob, "release", leaseId, cancellationToken);

    public async Task<TimeSpan> BreakLeaseAsync(BlobAddress blob, TimeSpan? breakPeriod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BlobLeases.ValidateBreakPeriod(breakPeriod);
        using var message = LeaseMessage(blob, "break");
        if (breakPeriod is { } period)
        {
            message.Request.Headers.SetValue("x-ms-lease-break-period", ((long)period.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }
        var response = await SendAsync(message, AzureBlobErrorContext.For(blob), cancellationToken).ConfigureAwait(false);
        return TimeSpan.FromSeconds(AzureBlobHeaders.Long(response, "x-ms-lease-time", blob));
    }

    /// <summary>A request to <paramref name="container"/> (and <paramref name="blobName"/>) with the pinned x-ms-version.</summary>
    internal HttpMessage CreateMessage(RequestMethod method, string container, string? blobName)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(_serviceUri);
        request.Uri.AppendPath("/" + container, escape: false);
        if (blobName is not null)
        {
            request.Uri.AppendPath("/" + EscapeBlobName(blobName), escape: false);
        }
        request.Headers.SetValue("x-ms-version", AzureBlobClientOptions.ServiceVersion);
        return message;
    }

    /// <summary>
    /// Sends <paramref name="message"/> through the pipeline (which retries transient failures) and returns its
    /// response, or throws the <see cref="BlobStoreException"/> its error maps to. A response with
    /// <paramref name="allowedCode"/> is returned, not thrown.
    /// </summary>
    internal async Task<Response> SendAsync(HttpMessage message, AzureBlobErrorContext context, CancellationToken cancellationToken, string? allowedCode = null)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AzureBlobErrors.IsTransportFailure(e, cancellationToken))
        {
            throw AzureBlobErrors.Unreachable(context, e);
        }
        var response = message.Response;
        if (response.IsError &&
            !(allowedCode is not null && response.Headers.TryGetValue(AzureBlobErrors.ErrorCodeHeader, out var code) && code == allowedCode))
        {
            throw AzureBlobErrors.FromResponse(response, context);
        }
        return response;
    }

    /// <summary>If-Match, If-None-Match and x-ms-lease-id from <paramref name="conditions"/>.</summary>
    internal static void AddConditions(Request request, BlobConditions? conditions)
    {
        if (conditions?.IfMatch is { } ifMatch)
        {
            request.Headers.SetValue(HttpHeader.Names.IfMatch, ifMatch);
        }
        if (conditions?.IfNoneMatch is { } ifNoneMatch)
        {
            request.Headers.SetValue(HttpHeader.Names.IfNoneMatch, ifNoneMatch);
        }
        AddLeaseId(request, conditions);
    }

    internal static void AddLeaseId(Request request, BlobConditions? conditions)
    {
        if (conditions?.LeaseId is { } leaseId)
        {
            request.Headers.SetValue("x-ms-lease-id", BlobLeases.Format(BlobLeases.ParseLeaseId(leaseId, nameof(conditions.LeaseId))));
        }
    }

    /// <summary>Content type and metadata of a write: <paramref name="contentTypeHeader"/> is Content-Type for Put Blob, x-ms-blob-content-type for Put Block List.</summary>
    internal static void AddContentTypeAndMetadata(Request request, BlobPutOptions options, string contentTypeHeader)
    {
        request.Headers.SetValue(contentTypeHeader, options.ContentType ?? BlobPutOptions.DefaultContentType);
        foreach (var (name, value) in options.Metadata ?? new Dictionary<string, string>())
        {
            request.Headers.SetValue(AzureBlobHeaders.MetadataPrefix + name, value);
        }
    }

    internal static AzureBlobErrorContext ContextFor(BlobAddress blob, BlobConditions? conditions) =>
        AzureBlobErrorContext.For(blob) with { Conditions = conditions, LeaseId = conditions?.LeaseId };

    /// <summary>
    /// Reads <paramref name="content"/> until its end or <paramref name="limit"/> bytes, into a buffer that grows as
    /// needed (a small blob costs a small buffer) or is sized from a seekable stream's length.
    /// </summary>
    private static async Task<(byte[] Buffer, int Count)> ReadPrefixAsync(Stream content, int limit, CancellationToken cancellationToken)
    {
        const int InitialSize = 64 * 1024;
        // One byte more than a seekable stream holds, so that its end is seen without growing.
        var size = content.CanSeek ? (int)Math.Min(limit, Math.Max(0, content.Length - content.Position) + 1) : Math.Min(limit, InitialSize);
        var buffer = new byte[size];
        var count = 0;
        while (true)
        {
            var read = await content.ReadAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (buffer, count);
            }
            count += read;
            if (count == buffer.Length)
            {
                if (count == limit)
                {
                    return (buffer, count);
                }
                Array.Resize(ref buffer, (int)Math.Min(limit, 2L * buffer.Length));
            }
        }
    }

    private async Task<BlobWriteResult> PutBlobAsync(BlobAddress blob, ReadOnlyMemory<byte> content, BlobPutOptions options, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Put, blob.Container, blob.Name);
        var request = message.Request;
        request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        AddContentTypeAndMetadata(request, options, HttpHeader.Names.ContentType);
        AddConditions(request, options.Conditions);
        request.Headers.SetValue("Content-MD5", ContentMd5.Of(content.Span));
        request.Content = RequestContent.Create(content);
        var response = await SendAsync(message, ContextFor(blob, options.Conditions), cancellationToken).ConfigureAwait(false);
        return AzureBlobHeaders.WriteResult(response, blob);
    }

    /// <summary>
    /// Before streaming many blocks for a conditional write, fails the way the commit would if the blob is not as the
    /// conditions want it now; the commit checks them again atomically.
    /// </summary>
    private async Task ThrowIfConditionsFailAsync(BlobAddress blob, BlobConditions? conditions, CancellationToken cancellationToken)
    {
        if (conditions is not ({ IfMatch: not null } or { IfNoneMatch: not null }))
        {
            return;
        }
        BlobProperties? current;
        try
        {
            current = await GetPropertiesAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
        {
            current = null;
        }
        if (conditions.IfMatch is { } ifMatch && (current is null || (ifMatch != "*" && ifMatch != current.ETag)))
        {
            throw BlobStoreErrors.ETagMismatch(blob, ifMatch);
        }
        if (conditions.IfNoneMatch == "*" && current is not null)
        {
            throw BlobStoreErrors.AlreadyExists(blob);
        }
        if (conditions.IfNoneMatch is { } ifNoneMatch && ifNoneMatch == current?.ETag)
        {
            throw BlobStoreErrors.ETagMatched(blob, ifNoneMatch);
        }
    }

    private async Task<BlobDownload> DownloadAsync(BlobAddress blob, BlobRange? range, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Get, blob.Container, blob.Name);
        message.BufferResponse = false;
        if (range is { } r && !(r.Offset == 0 && r.Length is null))
        {
            var end = r.Length is { } count ? (r.Offset + count - 1).ToString(CultureInfo.InvariantCulture) : "";
            message.Request.Headers.SetValue("x-ms-range", $"bytes={r.Offset.ToString(CultureInfo.InvariantCulture)}-{end}");
        }
        // Disposing the message closes the response body unless it was handed to the download.
        var response = await SendAsync(message, AzureBlobErrorContext.For(blob) with { RangeOffset = range?.Offset }, cancellationToken).ConfigureAwait(false);
        var contentLength = AzureBlobHeaders.Long(response, "Content-Length", blob);
        var length = response.Status == 206 ? RangeTotal(response, blob) : contentLength;
        var properties = AzureBlobHeaders.Properties(response, blob, length);
        return new BlobDownload(message.ExtractResponseContent() ?? Stream.Null, properties, contentLength);
    }

    private static long RangeTotal(Response response, BlobAddress blob)
    {
        // Content-Range: bytes 400-599/1000
        var range = AzureBlobHeaders.Required(response, "Content-Range", blob);
        var slash = range.LastIndexOf('/');
        return slash >= 0 && long.TryParse(range.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? total
            : throw AzureBlobHeaders.Malformed(blob.Container, blob.Name, $"Content-Range '{range}' has no total length");
    }

    private HttpMessage LeaseMessage(BlobAddress blob, string action)
    {
        var message = CreateMessage(RequestMethod.Put, blob.Container, blob.Name);
        message.Request.Uri.AppendQuery("comp", "lease");
        message.Request.Headers.SetValue("x-ms-lease-action", action);
        return message;
    }

    private async Task ChangeLeaseAsync(BlobAddress blob, string action, string leaseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var id = BlobLeases.Format(BlobLeases.ParseLeaseId(leaseId, nameof(leaseId)));
        using var message = LeaseMessage(blob, action);
        message.Request.Headers.SetValue("x-ms-lease-id", id);
        await SendAsync(message, AzureBlobErrorContext.For(blob) with { LeaseId = leaseId }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The policies that authenticate requests: per call ones run once, before the retry policy; per retry ones on
    /// every attempt, so that each is dated and signed anew.
    /// </summary>
    private static (HttpPipelinePolicy[] PerCall, HttpPipelinePolicy[] PerRetry) AuthenticationPolicies(AzureBlobStoreOptions options, TimeProvider timeProvider) =>
        options switch
        {
            { AccountKey: { } key } when options.ResolveAccountName() is { } account =>
                ([], [new SharedKeyAuthenticationPolicy(account, key, timeProvider)]),
            { SasToken: { } sas } =>
                ([new SasQueryPolicy(sas)], [new DateHeaderPolicy(timeProvider)]),
            _ =>
                ([], [new DateHeaderPolicy(timeProvider), new BearerTokenAuthenticationPolicy(
                    options.Credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId }),
                    StorageScope)]),
        };

    /// <summary>Each '/'-separated segment percent-encoded (UTF-8), the separators kept: the path Blob Storage expects.</summary>
    internal static string EscapeBlobName(string name) =>
        string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
}
