using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>The base64 MD5 Blob Storage checks content against (Content-MD5, x-ms-blob-content-md5): a transfer checksum, not security.</summary>
internal static class ContentMd5
{
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Blob Storage's Content-MD5 is an integrity checksum the service verifies, not a security measure.")]
    public static string Of(ReadOnlySpan<byte> content) => Convert.ToBase64String(MD5.HashData(content));
}
