using System.Globalization;
using Azure;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>Reads blob properties from Blob Storage response headers and list entries.</summary>
internal static class AzureBlobHeaders
{
    public const string MetadataPrefix = "x-ms-meta-";

    /// <summary>The properties a Get Blob or Get Blob Properties response describes; <paramref name="length"/> is the whole blob's.</summary>
    public static BlobProperties Properties(Response response, BlobAddress blob, long length)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers)
        {
            if (header.Name.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
            {
                metadata[header.Name[MetadataPrefix.Length..]] = header.Value;
            }
        }
        return new BlobProperties
        {
            Length = length,
            ETag = ETag(Required(response, "ETag", blob)),
            LastModified = Date(Required(response, "Last-Modified", blob), blob.Container, blob.Name),
            ContentType = response.Headers.TryGetValue("Content-Type", out var type) ? type : BlobPutOptions.DefaultContentType,
            Metadata = metadata,
            LeaseState = LeaseState(response.Headers.TryGetValue("x-ms-lease-state", out var state) ? state : null, blob.Container, blob.Name),
        };
    }

    /// <summary>The version a Put Blob or Put Block List created.</summary>
    public static BlobWriteResult WriteResult(Response response, BlobAddress blob) =>
        new(ETag(Required(response, "ETag", blob)), Date(Required(response, "Last-Modified", blob), blob.Container, blob.Name));

    /// <summary>ETags quoted as in HTTP headers; List Blobs gives them bare on Azure.</summary>
    public static string ETag(string etag) =>
        etag.Length >= 2 && etag[0] == '"' && etag[^1] == '"' ? etag : $"\"{etag}\"";

    public static DateTimeOffset Date(string value, string container, string blobName) =>
        DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw Malformed(container, blobName, $"the date '{value}' is not an RFC 1123 date");

    public static BlobLeaseState LeaseState(string? state, string container, string blobName) => state switch
    {
        null or "available" => BlobLeaseState.Available,
        "leased" => BlobLeaseState.Leased,
        "expired" => BlobLeaseState.Expired,
        "breaking" => BlobLeaseState.Breaking,
        "broken" => BlobLeaseState.Broken,
        _ => throw Malformed(container, blobName, $"the lease state '{state}' is not one Blob Storage defines"),
    };

    /// <summary>A header value that must be a non-negative whole number.</summary>
    public static long Long(Response response, string name, BlobAddress blob) =>
        long.TryParse(Required(response, name, blob), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Malformed(blob.Container, blob.Name, $"the {name} header is not a whole number");

    public static string Required(Response response, string name, BlobAddress blob) =>
        response.Headers.TryGetValue(name, out var value) ? value : throw Malformed(blob.Container, blob.Name, $"the response has no {name} header");

    public static InvalidDataException Malformed(string container, string blobName, string problem) =>
        new($"Blob Storage answered a request for blob '{blobName}' in container '{container}' with a malformed response: {problem}");
}
