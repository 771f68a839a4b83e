using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Distill.Pipeline.Azure.ServiceBus;
using Distill.Pipeline.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Tests.Azure.ServiceBus;

/// <summary>
/// An in-test Service Bus namespace speaking the REST data plane over HTTPS on a loopback port (no emulator speaks
/// REST): send and batch send, peek-lock receive with long polling, complete/abandon/renew on the message's
/// <c>Location</c>, the documented status codes, and authentication (a SharedAccessSignature signed with
/// <see cref="Key"/>, or the bearer token <see cref="BearerToken"/>). The messaging semantics live in
/// <see cref="FakeServiceBusBroker"/>, on the test's clock. Every request is recorded; <see cref="FailNext"/>
/// injects faults.
/// </summary>
internal sealed class FakeServiceBusServer : IAsyncDisposable
{
    public const string KeyName = "RootManageSharedAccessKey";

    /// <summary>A key as the portal shows it (base64 text); the signature keys HMAC-SHA256 with its UTF-8 bytes.</summary>
    public const string Key = "bm90LWEtcmVhbC1rZXktanVzdC1mb3ItdGVzdHM=";

    public const string BearerToken = "entra-token-for-tests";

    private const string BatchContentType = "application/vnd.microsoft.servicebus.json";

    /// <summary>Request headers that are not application properties of a send.</summary>
    private static readonly HashSet<string> s_standardRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Authorization", "Content-Type", "Content-Length", "BrokerProperties", "User-Agent", "Accept", "Accept-Encoding",
        "Accept-Language", "Connection", "Expect", "Transfer-Encoding", "Keep-Alive", "TE", "x-ms-retrypolicy",
    };

    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(int Status, string? Method)> _faults = [];
    private readonly TimeProvider _time;
    private readonly SocketsHttpHandler _handler;
    private int _waitingReceives;

    private FakeServiceBusServer(WebApplication app, FakeServiceBusBroker broker, TimeProvider time)
    {
        _app = app;
        Broker = broker;
        _time = time;
        _handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificate.IsThis(certificate) },
        };
        Transport = new HttpClientTransport(_handler);
    }

    public FakeServiceBusBroker Broker { get; }

    /// <summary>The namespace's host and port, for <see cref="ServiceBusRestOptions.FullyQualifiedNamespace"/>.</summary>
    public string Namespace { get; private set; } = "";

    /// <summary>A transport that trusts the fake's certificate (and no other).</summary>
    public HttpPipelineTransport Transport { get; }

    /// <summary>When set, bearer tokens are refused too (401), as with a namespace whose identity lacks a role.</summary>
    public bool RefuseBearerTokens { get; set; }

    /// <summary>How many receives are long-polling now (their deadline already taken from the clock).</summary>
    public int WaitingReceives => Volatile.Read(ref _waitingReceives);

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

    public static async Task<FakeServiceBusServer> StartAsync(BusTopology topology, TimeProvider time)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Service Bus allows 64 KB of properties and 256 KB messages; leave room above both so the broker, not Kestrel, refuses.
            kestrel.Limits.MaxRequestHeadersTotalSize = 256 * 1024;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(TestCertificate.Certificate));
        });
        var app = builder.Build();
        var server = new FakeServiceBusServer(app, new FakeServiceBusBroker(topology, time), time);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        server.Namespace = $"127.0.0.1:{address.Port}";
        return server;
    }

    /// <summary>A bus on this namespace: shared access key by default, or Entra ID with <paramref name="credential"/>.</summary>
    public ServiceBusRestBus CreateBus(BusTopology topology, TokenCredential? credential = null, Action<ServiceBusRestClientOptions>? configure = null, string key = Key)
    {
        var options = credential is null
            ? new ServiceBusRestOptions { FullyQualifiedNamespace = Namespace, Authentication = ServiceBusAuthenticationKind.SharedAccessKey, SharedAccessKeyName = KeyName, SharedAccessKey = key }
            : new ServiceBusRestOptions { FullyQualifiedNamespace = Namespace, Authentication = ServiceBusAuthenticationKind.EntraId };
        var clientOptions = new ServiceBusRestClientOptions { Transport = Transport };
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(1);
        clientOptions.Retry.MaxDelay = TimeSpan.FromMilliseconds(10);
        configure?.Invoke(clientOptions);
        return new ServiceBusRestBus(options, topology, credential, _time, clientOptions);
    }

    /// <summary>Answers the next <paramref name="count"/> requests (of <paramref name="method"/>, if given) with <paramref name="status"/> and nothing else.</summary>
    public void FailNext(int status, int count = 1, string? method = null)
    {
        lock (_faults)
        {
            for (var i = 0; i < count; i++)
            {
                _faults.Add((status, method));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _handler.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var recorded = new RecordedRequest
        {
            Method = context.Request.Method,
            PathAndQuery = context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent(),
            Headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            Body = body.ToArray(),
        };
        lock (_requests)
        {
            _requests.Add(recorded);
        }
        try
        {
            await DispatchAsync(context, recorded);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away during a long poll.
        }
        recorded.Status = context.Response.StatusCode;
    }

    private async Task DispatchAsync(HttpContext context, RecordedRequest request)
    {
        if (TakeFault(request.Method) is { } fault)
        {
            await ErrorAsync(context, fault, "injected fault");
            return;
        }
        if (Unauthorized(context, request) is { } why)
        {
            await ErrorAsync(context, 401, why);
            return;
        }
        var segments = context.Request.Path.Value!.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        var method = request.Method;
        if (method == "POST" && segments.Length >= 2 && segments[^1] == "messages")
        {
            await SendAsync(context, request, string.Join('/', segments[..^1]));
        }
        else if (method == "POST" && segments.Length >= 3 && segments[^2] == "messages" && segments[^1] == "head")
        {
            await ReceiveAsync(context, string.Join('/', segments[..^2]));
        }
        else if (method is "DELETE" or "PUT" or "POST" && segments.Length >= 4 && segments[^3] == "messages")
        {
            var status = Broker.Settle(string.Join('/', segments[..^3]), segments[^2], segments[^1], method);
            await ErrorAsync(context, status, status == 404 ? "The lock supplied is invalid or the message was not found." : status == 410 ? "The messaging entity could not be found." : "");
        }
        else
        {
            await ErrorAsync(context, 400, $"{method} {context.Request.Path} is not a Service Bus data-plane operation");
        }
    }

    private async Task SendAsync(HttpContext context, RecordedRequest request, string entity)
    {
        List<FakeServiceBusBroker.Incoming> messages;
        try
        {
            messages = string.Equals(context.Request.ContentType, BatchContentType, StringComparison.OrdinalIgnoreCase)
                ? ReadBatch(request.Body)
                : [ReadSingle(request)];
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            await ErrorAsync(context, 400, $"bad request: {e.Message}");
            return;
        }
        var (status, detail) = Broker.Send(entity, messages);
        await ErrorAsync(context, status, detail);
    }

    private static FakeServiceBusBroker.Incoming ReadSingle(RecordedRequest request)
    {
        var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        var size = request.Body.Length;
        foreach (var (name, value) in request.Headers)
        {
            if (s_standardRequestHeaders.Contains(name))
            {
                continue;
            }
            properties[name] = ParseHeaderValue(value);
            size += name.Length + value.Length;
        }
        var broker = request.Header("BrokerProperties");
        size += broker?.Length ?? 0;
        using var document = JsonDocument.Parse(broker ?? "{}");
        return Incoming(document.RootElement, request.Body, request.Header("Content-Type"), properties, size);
    }

    private static List<FakeServiceBusBroker.Incoming> ReadBatch(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var messages = new List<FakeServiceBusBroker.Incoming>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var bytes = Encoding.UTF8.GetBytes(item.GetProperty("Body").GetString() ?? "");
            var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            if (item.TryGetProperty("UserProperties", out var user))
            {
                foreach (var property in user.EnumerateObject())
                {
                    properties[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString()!,
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        JsonValueKind.Number => property.Value.TryGetInt64(out var l) && !property.Value.GetRawText().AsSpan().ContainsAny(".eE") ? l : property.Value.GetDouble(),
                        _ => throw new FormatException($"user property '{property.Name}' is a JSON {property.Value.ValueKind}"),
                    };
                }
            }
            var brokerProperties = item.TryGetProperty("BrokerProperties", out var b) ? b : default;
            var contentType = brokerProperties.ValueKind == JsonValueKind.Object && brokerProperties.TryGetProperty("ContentType", out var c) ? c.GetString() : null;
            messages.Add(Incoming(brokerProperties, bytes, contentType, properties, item.GetRawText().Length));
        }
        return messages;
    }

    private static FakeServiceBusBroker.Incoming Incoming(JsonElement broker, byte[] body, string? contentType, Dictionary<string, object> properties, int size)
    {
        string? Text(string name) => broker.ValueKind == JsonValueKind.Object && broker.TryGetProperty(name, out var v) ? v.GetString() : null;
        TimeSpan? ttl = null;
        if (broker.ValueKind == JsonValueKind.Object && broker.TryGetProperty("TimeToLive", out var seconds))
        {
            ttl = TimeSpan.FromSeconds(seconds.GetDouble());
        }
        else if (Text("TimeToLiveTimeSpan") is { } span)
        {
            ttl = TimeSpan.Parse(span, CultureInfo.InvariantCulture);
        }
        DateTimeOffset? scheduled = Text("ScheduledEnqueueTimeUtc") is { } when
            ? DateTimeOffset.ParseExact(when, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : null;
        return new FakeServiceBusBroker.Incoming(Text("MessageId"), Text("CorrelationId"), Text("Label"), contentType, scheduled, ttl, body, properties, size);
    }

    /// <summary>A custom property header's value: JSON string, boolean or number; anything else stays text.</summary>
    private static object ParseHeaderValue(string value)
    {
        var text = value.Trim();
        if (text.StartsWith('"'))
        {
            return JsonDocument.Parse(text).RootElement.GetString()!;
        }
        if (text is "true" or "false")
        {
            return text == "true";
        }
        if (!text.AsSpan().ContainsAny(".eE") && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : text;
    }

    private async Task ReceiveAsync(HttpContext context, string path)
    {
        var timeout = long.TryParse(context.Request.Query["timeout"], CultureInfo.InvariantCulture, out var seconds) ? seconds : 60;
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(timeout);
        while (true)
        {
            var changed = Broker.Changed;
            if (!Broker.TryReceive(path, out var message, out var entity))
            {
                await ErrorAsync(context, 410, $"The messaging entity '{path}' could not be found.");
                return;
            }
            if (message is not null)
            {
                await WriteMessageAsync(context, path, message, path.EndsWith("/$DeadLetterQueue", StringComparison.OrdinalIgnoreCase));
                return;
            }
            var now = _time.GetUtcNow();
            if (now >= deadline)
            {
                context.Response.StatusCode = 204;
                return;
            }
            var wake = Broker.NextChange(entity!) is { } next && next < deadline ? next : deadline;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            Interlocked.Increment(ref _waitingReceives);
            try
            {
                await Task.WhenAny(Task.Delay(wake - now, _time, stop.Token), changed);
            }
            finally
            {
                Interlocked.Decrement(ref _waitingReceives);
            }
            await stop.CancelAsync();
            context.RequestAborted.ThrowIfCancellationRequested();
        }
    }

    private static async Task WriteMessageAsync(HttpContext context, string path, FakeBrokerMessage message, bool deadLetter)
    {
        var response = context.Response;
        response.StatusCode = 201;
        response.Headers["BrokerProperties"] = Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("DeliveryCount", message.DeliveryCount);
            writer.WriteNumber("EnqueuedSequenceNumber", 0);
            writer.WriteString("EnqueuedTimeUtc", Rfc1123(message.EnqueuedTime));
            if (message.Label is not null)
            {
                writer.WriteString("Label", message.Label);
            }
            writer.WriteString("LockToken", message.LockToken);
            writer.WriteString("LockedUntilUtc", Rfc1123(message.LockedUntil));
            writer.WriteString("MessageId", message.MessageId);
            writer.WriteNumber("SequenceNumber", message.SequenceNumber);
            writer.WriteString("State", deadLetter ? "Deferred" : "Active");
            writer.WriteNumber("TimeToLive", (message.TimeToLive ?? TimeSpan.MaxValue).TotalSeconds);
            if (message.CorrelationId is not null)
            {
                writer.WriteString("CorrelationId", message.CorrelationId);
            }
            writer.WriteEndObject();
        });
        var request = context.Request;
        response.Headers.Location = $"{request.Scheme}://{request.Host}/{path}/messages/{message.SequenceNumber}/{message.LockToken}";
        if (message.ContentType is not null)
        {
            response.ContentType = message.ContentType;
        }
        foreach (var (name, value) in message.Properties)
        {
            response.Headers[name] = value switch
            {
                string s => Json(writer => writer.WriteStringValue(s)),
                bool b => b ? "true" : "false",
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => d.ToString("R", CultureInfo.InvariantCulture) is var text && text.AsSpan().ContainsAny(".eE") ? text : text + ".0",
                _ => throw new InvalidOperationException($"property {name} has the type {value.GetType().Name}"),
            };
        }
        if (deadLetter)
        {
            response.Headers["DeadLetterReason"] = Json(writer => writer.WriteStringValue(message.DeadLetterReason));
            response.Headers["DeadLetterErrorDescription"] = Json(writer => writer.WriteStringValue(message.DeadLetterErrorDescription));
        }
        response.ContentLength = message.Body.Length;
        await response.Body.WriteAsync(message.Body, context.RequestAborted);
    }

    /// <summary>Why the request may not pass: no or a wrong SharedAccessSignature, an unknown bearer token; null when it may.</summary>
    private string? Unauthorized(HttpContext context, RecordedRequest request)
    {
        var authorization = request.Header("Authorization");
        if (authorization is null)
        {
            return "MissingToken: the request has no Authorization header";
        }
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return !RefuseBearerTokens && authorization["Bearer ".Length..] == BearerToken ? null : "InvalidToken: the bearer token is not valid";
        }
        const string prefix = "SharedAccessSignature ";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal))
        {
            return "InvalidToken: the Authorization header is neither a bearer token nor a SharedAccessSignature";
        }
        var fields = authorization[prefix.Length..].Split('&')
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("sr", out var resource) || !fields.TryGetValue("sig", out var signature)
            || !fields.TryGetValue("se", out var expiry) || !fields.TryGetValue("skn", out var keyName))
        {
            return "InvalidToken: the SharedAccessSignature lacks sr, sig, se or skn";
        }
        if (WebUtility.UrlDecode(keyName) != KeyName)
        {
            return $"InvalidToken: unknown key name '{WebUtility.UrlDecode(keyName)}'";
        }
        if (!long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt) || expiresAt <= _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return $"ExpiredToken: the token expired at {expiry}";
        }
        var url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}";
        if (!url.StartsWith(WebUtility.UrlDecode(resource), StringComparison.OrdinalIgnoreCase))
        {
            return $"InvalidAudience: the token is for '{WebUtility.UrlDecode(resource)}', not '{url}'";
        }
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes($"{resource}\n{expiry}")));
        return expected == WebUtility.UrlDecode(signature) ? null : "InvalidSignature: the token's signature does not match";
    }

    private int? TakeFault(string method)
    {
        lock (_faults)
        {
            var index = _faults.FindIndex(f => f.Method is null || f.Method == method);
            if (index < 0)
            {
                return null;
            }
            var status = _faults[index].Status;
            _faults.RemoveAt(index);
            return status;
        }
    }

    private static async Task ErrorAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        if (detail.Length > 0)
        {
            context.Response.ContentType = "application/xml; charset=utf-8";
            await context.Response.WriteAsync($"<Error><Code>{status}</Code><Detail>{WebUtility.HtmlEncode(detail)}</Detail></Error>", context.RequestAborted);
        }
    }

    private static string Rfc1123(DateTimeOffset time) => time.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return Encoding.ASCII.GetString(buffer.ToArray());
    }
}
