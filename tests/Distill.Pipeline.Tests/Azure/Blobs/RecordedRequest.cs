using System.Text;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>A request as <see cref="FakeBlobService"/> received it.</summary>
internal sealed record RecordedRequest(string Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The header's value, or null when it was not sent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The decoded value of query parameter <paramref name="name"/>, or null.</summary>
    public string? Query(string name)
    {
        foreach (var pair in Uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals] == name)
            {
                return Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }
        return null;
    }

    /// <summary>The escaped path as sent: <c>/devstoreaccount1/container/blob</c>.</summary>
    public string Path => Uri.AbsolutePath;

    public string BodyText => Encoding.UTF8.GetString(Body);

    public override string ToString() => $"{Method} {Uri}";
}
