using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// Signs every attempt of a request with the account key (Blob Storage's Shared Key scheme): stamps x-ms-date and sets
/// <c>Authorization: SharedKey {account}:{signature}</c>. Runs after the retry policy, so each retry is signed anew.
/// </summary>
/// <remarks>
/// The string to sign is the verb, the standard headers (Content-Length empty when zero, Date empty since x-ms-date
/// is sent), the x-ms-* headers (lowercase names, sorted, <c>name:value</c>) and the canonicalized resource:
/// <c>/{account}{path as sent}</c> plus one <c>\nname:decoded value</c> line per query parameter, sorted by name. On a
/// path-style endpoint (Azurite) the path starts with the account, which so appears twice:
/// <c>/devstoreaccount1/devstoreaccount1/ckpt/a.bin</c>.
/// </remarks>
internal sealed class SharedKeyAuthenticationPolicy : HttpPipelineSynchronousPolicy
{
    private readonly string _accountName;
    private readonly byte[] _key;
    private readonly TimeProvider _timeProvider;

    public SharedKeyAuthenticationPolicy(string accountName, string accountKey, TimeProvider timeProvider)
    {
        _accountName = accountName;
        _key = Convert.FromBase64String(accountKey);
        _timeProvider = timeProvider;
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", _timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture));
        // Signed last: every header, x-ms-date included, must be in place.
        var signature = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(StringToSign(request, _accountName)));
        request.Headers.SetValue(HttpHeader.Names.Authorization, $"SharedKey {_accountName}:{Convert.ToBase64String(signature)}");
    }

    /// <summary>The exact string Blob Storage (and Azurite) sign for <paramref name="request"/>.</summary>
    internal static string StringToSign(Request request, string accountName)
    {
        var text = new StringBuilder();
        text.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        AppendHeader(text, request, "Content-Encoding");
        AppendHeader(text, request, "Content-Language");
        // Content-Length comes from the content, as the transport sends it; zero signs as empty.
        text.Append(request.Content is { } content && content.TryComputeLength(out var length) && length > 0
            ? length.ToString(CultureInfo.InvariantCulture)
            : "").Append('\n');
        AppendHeader(text, request, "Content-MD5");
        AppendHeader(text, request, "Content-Type");
        AppendHeader(text, request, "Date");
        AppendHeader(text, request, "If-Modified-Since");
        AppendHeader(text, request, "If-Match");
        AppendHeader(text, request, "If-None-Match");
        AppendHeader(text, request, "If-Unmodified-Since");
        AppendHeader(text, request, "Range");
        AppendCanonicalizedHeaders(text, request);
        AppendCanonicalizedResource(text, request, accountName);
        return text.ToString();
    }

    private static void AppendHeader(StringBuilder text, Request request, string name) =>
        text.Append(request.Headers.TryGetValue(name, out var value) ? value : "").Append('\n');

    private static void AppendCanonicalizedHeaders(StringBuilder text, Request request)
    {
        var headers = new SortedDictionary<string, string>(SharedKeyHeaderComparer.Instance);
        foreach (var header in request.Headers)
        {
            var name = header.Name.ToLowerInvariant();
            if (name.StartsWith("x-ms-", StringComparison.Ordinal))
            {
                headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier},{header.Value.Trim()}" : header.Value.Trim();
            }
        }
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }
    }

    private static void AppendCanonicalizedResource(StringBuilder text, Request request, string accountName)
    {
        var path = request.Uri.Path;
        text.Append('/').Append(accountName).Append(path.Length == 0 ? "/" : path);
        var query = request.Uri.Query;
        if (query.Length <= 1)
        {
            return;
        }
        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).ToLowerInvariant();
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (!parameters.TryGetValue(name, out var values))
            {
                parameters[name] = values = [];
            }
            values.Add(value);
        }
        foreach (var (name, values) in parameters)
        {
            values.Sort(StringComparer.Ordinal);
            text.Append('\n').Append(name).Append(':').Append(string.Join(',', values));
        }
    }
}
