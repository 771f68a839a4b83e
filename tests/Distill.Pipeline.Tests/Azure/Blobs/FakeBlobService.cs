using System.Net;
using System.Text;
using Azure.Core.Pipeline;
using Distill.Pipeline.Azure.Blobs;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>
/// The HTTP end of an <see cref="AzureBlobStore"/> under test: the real Azure.Core transport over an HttpClient whose
/// handler records every request as sent (headers, content headers and body) and answers from a script.
/// </summary>
internal sealed class FakeBlobService(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    private readonly List<RecordedRequest> _requests = [];

    public FakeBlobService(Func<RecordedRequest, HttpResponseMessage> respond)
        : this((request, _) => Task.FromResult(respond(request)))
    {
    }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Client options sending through this service, retrying after 1 ms (at most <paramref name="maxRetries"/> times).</summary>
    public AzureBlobClientOptions ClientOptions(int maxRetries = 3) => new()
    {
        Transport = new HttpClientTransport(new HttpClient(this)),
        Retry = { Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1), MaxRetries = maxRetries },
    };

    /// <summary>An answer with <paramref name="status"/>, <paramref name="headers"/> (name, value pairs) and <paramref name="body"/>.</summary>
    public static HttpResponseMessage Answer(int status, string[]? headers = null, byte[]? body = null) =>
        Answer(status, headers, new ByteArrayContent(body ?? []));

    /// <summary>An answer whose body is <paramref name="content"/> (for example a stream that is still being written).</summary>
    public static HttpResponseMessage Answer(int status, string[]? headers, HttpContent content)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = content };
        // Computed and set, as a server sends it, unless a pair below says otherwise.
        _ = content.Headers.ContentLength;
        // A later pair replaces an earlier one of the same name.
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; headers is not null && i < headers.Length; i += 2)
        {
            values[headers[i]] = headers[i + 1];
        }
        foreach (var (name, value) in values)
        {
            // Content-* and Last-Modified belong to the content's headers in HttpClient.
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.Remove(name);
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return response;
    }

    /// <summary>A Blob Storage error: the status, the x-ms-error-code header and the XML error body.</summary>
    public static HttpResponseMessage Error(int status, string code) =>
        Answer(status, ["x-ms-error-code", code, "Content-Type", "application/xml"],
            Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>Service says {code}.</Message></Error>"));

    /// <summary>The answer to a successful Put Blob or Put Block List.</summary>
    public static HttpResponseMessage Written(string etag = "\"0x8DC0000000000001\"") =>
        Answer(201, ["ETag", etag, "Last-Modified", "Sun, 01 Mar 2026 12:00:00 GMT"]);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = string.Join(",", values);
        }
        var body = Array.Empty<byte>();
        if (request.Content is not null)
        {
            // The length the transport sends, computed from the content as the socket handler does.
            _ = request.Content.Headers.ContentLength;
            foreach (var (name, values) in request.Content.Headers)
            {
                headers[name] = string.Join(",", values);
            }
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var recorded = new RecordedRequest(request.Method.Method, request.RequestUri!, headers, body);
        lock (_requests)
        {
            _requests.Add(recorded);
        }
        return await respond(recorded, cancellationToken);
    }
}
