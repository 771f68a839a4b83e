using System.Net;
using Azure.Core.Pipeline;
using Azure.Messaging.EventGrid;
using Distill.Pipeline.Tests.Azure.ServiceBus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Tests.Events;

/// <summary>
/// An in-test Event Grid custom topic over HTTPS on a loopback port: it records every request and answers 200, or the
/// status of a fault queued with <see cref="FailNext"/>.
/// </summary>
internal sealed class FakeEventGridTopic : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];
    private readonly Queue<int> _faults = new();
    private readonly SocketsHttpHandler _handler;

    private FakeEventGridTopic(WebApplication app)
    {
        _app = app;
        _handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificate.IsThis(certificate) },
        };
    }

    /// <summary>The topic's endpoint, <c>https://127.0.0.1:{port}/api/events</c>.</summary>
    public Uri Endpoint { get; private set; } = new("https://127.0.0.1/");

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

    public static async Task<FakeEventGridTopic> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(TestCertificate.Certificate)));
        var app = builder.Build();
        var topic = new FakeEventGridTopic(app);
        app.Run(topic.HandleAsync);
        await app.StartAsync();
        topic.Endpoint = new Uri(new Uri(app.Urls.Single()), "/api/events");
        return topic;
    }

    /// <summary>Client options that trust the topic's certificate (and no other), retrying quickly.</summary>
    public EventGridPublisherClientOptions ClientOptions()
    {
        var options = new EventGridPublisherClientOptions { Transport = new HttpClientTransport(_handler) };
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(10);
        return options;
    }

    /// <summary>Answers the next request with <paramref name="status"/>.</summary>
    public void FailNext(int status)
    {
        lock (_faults)
        {
            _faults.Enqueue(status);
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
        var status = 200;
        lock (_faults)
        {
            if (_faults.Count > 0)
            {
                status = _faults.Dequeue();
            }
        }
        lock (_requests)
        {
            _requests.Add(new RecordedRequest
            {
                Method = context.Request.Method,
                PathAndQuery = context.Request.Path + context.Request.QueryString,
                Headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                Body = body.ToArray(),
                Status = status,
            });
        }
        context.Response.StatusCode = status;
    }
}
