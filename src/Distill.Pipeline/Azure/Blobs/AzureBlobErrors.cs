using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// Turns Blob Storage error responses and transport failures into <see cref="BlobStoreException"/>s: the reason from
/// the x-ms-error-code (the codes each <see cref="BlobStoreErrorReason"/> documents), the folder store's wording, and
/// the status and code Azure sent.
/// </summary>
internal static class AzureBlobErrors
{
    public const string ErrorCodeHeader = "x-ms-error-code";

    public static BlobStoreException FromResponse(Response response, AzureBlobErrorContext context)
    {
        var code = ErrorCode(response);
        var known = Known(code, response, context);
        if (known is not null)
        {
            return new BlobStoreException(known.Reason, known.Container, known.BlobName, code, $"{known.Message} (Azure: {response.Status} {code})");
        }
        var reason = response.Status switch
        {
            401 or 403 => BlobStoreErrorReason.AccessDenied,
            408 or 429 or >= 500 => BlobStoreErrorReason.ServiceUnavailable,
            _ => BlobStoreErrorReason.ServiceError,
        };
        var what = context.Blob is { } blob
            ? $"blob '{blob.Name}' in container '{context.Container}'"
            : $"container '{context.Container}'";
        var detail = ErrorMessage(response) is { } message ? $": {message}" : "";
        var shown = code.Length > 0 ? code : response.ReasonPhrase;
        var hint = reason switch
        {
            BlobStoreErrorReason.AccessDenied => " (check the account key, SAS or the identity's role, such as Storage Blob Data Contributor)",
            BlobStoreErrorReason.ServiceUnavailable => " (after the client's retries)",
            _ => "",
        };
        return new BlobStoreException(reason, context.Container, context.Blob?.Name, code.Length > 0 ? code : response.Status.ToString(CultureInfo.InvariantCulture),
            $"Blob Storage refused the request for {what}: {response.Status} {shown}{detail}{hint}");
    }

    /// <summary>
    /// The pipeline gave up on a request that never got a response (network failure or timeout, after its retries).
    /// With no response there is no Azure error code: the exception's is <c>ServiceUnreachable</c>.
    /// </summary>
    public static BlobStoreException Unreachable(AzureBlobErrorContext context, Exception error)
    {
        var what = context.Blob is { } blob
            ? $"blob '{blob.Name}' in container '{context.Container}'"
            : $"container '{context.Container}'";
        return new BlobStoreException(BlobStoreErrorReason.ServiceUnavailable, context.Container, context.Blob?.Name, "ServiceUnreachable",
            $"Blob Storage could not be reached for {what} after the client's retries: {Innermost(error).Message}", error);
    }

    /// <summary>
    /// True for the failures Azure.Core's pipeline throws when it gets no response: RequestFailedException (network),
    /// AggregateException (every retry failed), or a timeout (a cancellation the caller did not ask for).
    /// </summary>
    public static bool IsTransportFailure(Exception error, CancellationToken cancellationToken) =>
        error is RequestFailedException or AggregateException or IOException ||
        (error is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static BlobStoreException? Known(string code, Response response, AzureBlobErrorContext context)
    {
        if (code == "ContainerNotFound")
        {
            return BlobStoreErrors.ContainerNotFound(context.Container, context.Blob?.Name);
        }
        if (code == "InvalidResourceName")
        {
            return BlobStoreErrors.InvalidName(context.Container, context.Blob?.Name, "the service rejected the name");
        }
        if (context.Blob is not { } blob)
        {
            return null;
        }
        var leaseId = context.LeaseId ?? "(none)";
        return code switch
        {
            "BlobNotFound" => BlobStoreErrors.NotFound(blob),
            // HEAD responses carry no body, and a 404 without a code on a blob request is the blob missing.
            "" when response.Status == 404 => BlobStoreErrors.NotFound(blob),
            "ConditionNotMet" => context.Conditions switch
            {
                { IfMatch: { } etag } => BlobStoreErrors.ETagMismatch(blob, etag),
                { IfNoneMatch: { } etag } => BlobStoreErrors.ETagMatched(blob, etag),
                _ => new BlobStoreException(BlobStoreErrorReason.ConditionNotMet, blob.Container, blob.Name, code,
                    $"a condition of the request on blob '{blob.Name}' in container '{blob.Container}' failed"),
            },
            "BlobAlreadyExists" => BlobStoreErrors.AlreadyExists(blob),
            "LeaseIdMissing" => BlobStoreErrors.LeaseIdMissing(blob),
            "LeaseIdMismatchWithBlobOperation" => BlobStoreErrors.LeaseIdMismatchWithBlobOperation(blob),
            "LeaseAlreadyPresent" => BlobStoreErrors.LeaseAlreadyPresent(blob),
            "LeaseIsBreakingAndCannotBeAcquired" => BlobStoreErrors.LeaseIsBreaking(blob),
            "LeaseLost" or "LeaseNotPresentWithBlobOperation" => BlobStoreErrors.LeaseLost(blob),
            "LeaseIdMismatchWithLeaseOperation" => BlobStoreErrors.LeaseIdMismatchWithLeaseOperation(blob, leaseId),
            "LeaseNotPresentWithLeaseOperation" => BlobStoreErrors.LeaseNotPresent(blob),
            "LeaseIsBrokenAndCannotBeRenewed" => BlobStoreErrors.LeaseBroken(blob, leaseId),
            "InvalidRange" => InvalidRange(blob, context.RangeOffset ?? 0, response),
            _ => null,
        };
    }

    private static BlobStoreException InvalidRange(BlobAddress blob, long offset, Response response)
    {
        // A 416 may say the blob's length as "Content-Range: bytes */{length}".
        if (response.Headers.TryGetValue("Content-Range", out var range) && range.LastIndexOf('/') is var slash and >= 0 &&
            long.TryParse(range.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return BlobStoreErrors.InvalidRange(blob, offset, length);
        }
        return new BlobStoreException(BlobStoreErrorReason.InvalidRange, blob.Container, blob.Name, "InvalidRange",
            $"the range starting at byte {offset} is beyond the end of blob '{blob.Name}' in container '{blob.Container}'");
    }

    private static string ErrorCode(Response response)
    {
        if (response.Headers.TryGetValue(ErrorCodeHeader, out var code) && code.Length > 0)
        {
            return code;
        }
        return ErrorBody(response)?.Element("Code")?.Value ?? "";
    }

    private static string? ErrorMessage(Response response) =>
        ErrorBody(response)?.Element("Message")?.Value.Split('\n')[0].Trim() is { Length: > 0 } message ? message : null;

    /// <summary>The &lt;Error&gt; element of a buffered XML error body, or null (no body, not buffered, not XML).</summary>
    private static XElement? ErrorBody(Response response)
    {
        if (response.ContentStream is not MemoryStream { Length: > 0 } body)
        {
            return null;
        }
        try
        {
            body.Position = 0;
            var root = XDocument.Load(body).Root;
            return root?.Name.LocalName == "Error" ? root : null;
        }
        catch (XmlException)
        {
            return null;
        }
        finally
        {
            body.Position = 0;
        }
    }

    private static Exception Innermost(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: > 0 } aggregate)
        {
            error = aggregate.InnerExceptions[^1];
        }
        return error is RequestFailedException { InnerException: { } inner } ? inner : error;
    }
}
