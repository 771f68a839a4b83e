using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Distill.Pipeline.Azure.ServiceBus;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Tests.Messaging;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Azure.ServiceBus;

/// <summary>The exact requests <see cref="ServiceBusRestBus"/> sends, and how it reads the namespace's answers.</summary>
public sealed class ServiceBusRestBusRequestTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_lockDuration = TimeSpan.FromSeconds(30);

    private static readonly BusTopology s_topology = new(
        [
            new QueueDefinition("work") { LockDuration = s_lockDuration, MaxDeliveryCount = 3, DuplicateDetectionWindow = TimeSpan.FromMinutes(10) },
        ],
        [
            new TopicDefinition("events")
            {
                Subscriptions = [new SubscriptionDefinition("all") { LockDuration = s_lockDuration, MaxDeliveryCount = 3 }],
            },
        ]);

    private readonly FakeTimeProvider _time = new(s_start);
    private readonly List<IMessageBus> _buses = [];
    private FakeServiceBusServer _server = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeServiceBusServer.StartAsync(s_topology, _time);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var bus in _buses)
        {
            await bus.DisposeAsync();
        }
        await _server.DisposeAsync();
    }

    // ---- send ----

    [Fact]
    public async Task SendAsync_Message_PostsBodyWithBrokerPropertiesContentTypeAndOneHeaderPerProperty()
    {
        var bus = Bus();
        var message = new BusMessage("{\"runId\":\"run42\"}"u8.ToArray())
        {
            MessageId = "run42:distill:1",
            CorrelationId = "run42",
            Subject = "stage.requested",
            ContentType = "application/json",
            ScheduledEnqueueTime = s_start + TimeSpan.FromMinutes(5),
            TimeToLive = TimeSpan.FromHours(1),
        };
        message.ApplicationProperties["stage"] = "distill";
        message.ApplicationProperties["text"] = "naïve \"quoted\"";
        message.ApplicationProperties["attempt"] = 3;
        message.ApplicationProperties["ratio"] = 0.5;
        message.ApplicationProperties["whole"] = 2.0;
        message.ApplicationProperties["urgent"] = true;

        await bus.SendAsync("work", message, Cancel);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/work/messages", request.PathAndQuery);
        Assert.Equal(201, request.Status);
        Assert.Equal("{\"runId\":\"run42\"}", Encoding.UTF8.GetString(request.Body));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal(
            "{\"MessageId\":\"run42:distill:1\",\"CorrelationId\":\"run42\",\"Label\":\"stage.requested\",\"ScheduledEnqueueTimeUtc\":\"Sun, 01 Mar 2026 12:05:00 GMT\",\"TimeToLive\":3600}",
            request.Header("BrokerProperties"));
        Assert.Equal("\"distill\"", request.Header("stage"));
        Assert.Equal("\"na\\u00EFve \\u0022quoted\\u0022\"", request.Header("text"));
        Assert.Equal("3", request.Header("attempt"));
        Assert.Equal("0.5", request.Header("ratio"));
        Assert.Equal("2.0", request.Header("whole"));
        Assert.Equal("true", request.Header("urgent"));
        // Nothing else that the broker would take for a property: no client request id, no trace context.
        var expected = new[] { "Host", "Authorization", "BrokerProperties", "Content-Type", "Content-Length", "User-Agent", "stage", "text", "attempt", "ratio", "whole", "urgent" };
        Assert.Empty(request.Headers.Keys.Except(expected, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SendAsync_WithoutOptionalProperties_SendsOnlyTheAssignedMessageIdAndNoContentType()
    {
        var bus = Bus();

        await bus.SendAsync("work", new BusMessage(), Cancel);

        var request = Assert.Single(_server.Requests);
        using var broker = JsonDocument.Parse(request.Header("BrokerProperties")!);
        var property = Assert.Single(broker.RootElement.EnumerateObject());
        Assert.Equal("MessageId", property.Name);
        Assert.Equal(32, property.Value.GetString()!.Length);
        Assert.Null(request.Header("Content-Type"));
        Assert.Empty(request.Body);
    }

    [Fact]
    public async Task SendBatchAsync_SeveralMessages_PostsOneBatchInTheServiceBusJsonFormat()
    {
        var bus = Bus();
        var first = BusMessage.FromText("{\"runId\":\"r1\"}", "application/json").WithId("r1");
        first.Subject = "stage.requested";
        first.TimeToLive = TimeSpan.FromSeconds(40);
        var second = BusMessage.FromText("second").WithId("r2");
        second.ApplicationProperties["stage"] = "distill";
        second.ApplicationProperties["attempt"] = 2L;
        second.ApplicationProperties["ratio"] = 1.0;

        await bus.SendBatchAsync("work", [first, second], Cancel);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/work/messages", request.PathAndQuery);
        Assert.Equal("application/vnd.microsoft.servicebus.json", request.Header("Content-Type"));
        Assert.Null(request.Header("BrokerProperties"));
        using var batch = JsonDocument.Parse(request.Body);
        var items = batch.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal("{\"runId\":\"r1\"}", items[0].GetProperty("Body").GetString());
        Assert.Equal("r1", items[0].GetProperty("BrokerProperties").GetProperty("MessageId").GetString());
        Assert.Equal("stage.requested", items[0].GetProperty("BrokerProperties").GetProperty("Label").GetString());
        Assert.Equal(40, items[0].GetProperty("BrokerProperties").GetProperty("TimeToLive").GetDouble());
        Assert.False(items[0].TryGetProperty("UserProperties", out _));
        var user = items[1].GetProperty("UserProperties");
        Assert.Equal("distill", user.GetProperty("stage").GetString());
        Assert.Equal("2", user.GetProperty("attempt").GetRawText());
        Assert.Equal("1.0", user.GetProperty("ratio").GetRawText());
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.Equal("application/json", received?.ContentType);
    }

    [Fact]
    public async Task SendBatchAsync_BodyNotUtf8_ThrowsNamingTheMessageAndSendsNothing()
    {
        var bus = Bus();

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => bus.SendBatchAsync("work", [BusMessage.FromText("text"), new BusMessage(new byte[] { 0xff, 0xfe }) { MessageId = "binary" }], Cancel));

        Assert.Contains("'binary'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    // ---- authentication ----

    [Fact]
    public async Task SharedAccessKey_SignsTheNamespaceWithTheKeysUtf8BytesAndRenewsBeforeExpiry()
    {
        var bus = Bus();

        await bus.SendAsync("work", BusMessage.FromText("a"), Cancel);
        _time.Advance(TimeSpan.FromMinutes(30));
        await bus.SendAsync("work", BusMessage.FromText("b"), Cancel);
        _time.Advance(TimeSpan.FromMinutes(20));
        await bus.SendAsync("work", BusMessage.FromText("c"), Cancel);

        var tokens = _server.Requests.Select(r => r.Header("Authorization")!).ToList();
        var first = SasFields(tokens[0]);
        var endpoint = $"https://{_server.Namespace}/";
        Assert.Equal(WebUtility.UrlEncode(endpoint), first["sr"]);
        Assert.Equal(FakeServiceBusServer.KeyName, first["skn"]);
        Assert.Equal((s_start + TimeSpan.FromHours(1)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), first["se"]);
        var stringToSign = $"{WebUtility.UrlEncode(endpoint)}\n{first["se"]}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(FakeServiceBusServer.Key), Encoding.UTF8.GetBytes(stringToSign)));
        Assert.Equal(signature, WebUtility.UrlDecode(first["sig"]));
        Assert.Equal(tokens[0], tokens[1]);
        Assert.NotEqual(tokens[1], tokens[2]);
        Assert.Equal((s_start + TimeSpan.FromMinutes(50) + TimeSpan.FromHours(1)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), SasFields(tokens[2])["se"]);
        Assert.All(_server.Requests, r => Assert.Equal(201, r.Status));
    }

    [Fact]
    public async Task SharedAccessKey_WrongKey_IsRefusedWith401AndFailsNamingIt()
    {
        var bus = Bus(key: "not-the-key");

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.SendAsync("work", BusMessage.FromText("x"), Cancel));

        Assert.Equal(MessagingErrorReason.General, error.Reason);
        Assert.Contains("HTTP 401", error.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidSignature", error.Message, StringComparison.Ordinal);
        Assert.Equal(401, Assert.Single(_server.Requests).Status);
    }

    [Fact]
    public async Task EntraId_SendsTheCredentialsBearerTokenForTheServiceBusScope()
    {
        var credential = new StaticTokenCredential(FakeServiceBusServer.BearerToken);
        var bus = Track(_server.CreateBus(s_topology, credential));

        await bus.SendAsync("work", BusMessage.FromText("x"), Cancel);

        var request = Assert.Single(_server.Requests);
        Assert.Equal($"Bearer {FakeServiceBusServer.BearerToken}", request.Header("Authorization"));
        Assert.Equal(201, request.Status);
        Assert.Equal(["https://servicebus.azure.net/.default"], credential.Requests[0]);
    }

    [Fact]
    public async Task EntraId_TokenRefused_FailsWithTheStatus()
    {
        _server.RefuseBearerTokens = true;
        var bus = Track(_server.CreateBus(s_topology, new StaticTokenCredential(FakeServiceBusServer.BearerToken)));

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));

        Assert.Equal(MessagingErrorReason.General, error.Reason);
        Assert.Contains("HTTP 401", error.Message, StringComparison.Ordinal);
    }

    // ---- receive ----

    [Theory]
    [InlineData("work", "/work/messages/head?timeout=0")]
    [InlineData("events/subscriptions/all", "/events/subscriptions/all/messages/head?timeout=0")]
    [InlineData("work/$deadletterqueue", "/work/$DeadLetterQueue/messages/head?timeout=0")]
    [InlineData("events/subscriptions/all/$deadletterqueue", "/events/subscriptions/all/$DeadLetterQueue/messages/head?timeout=0")]
    public async Task ReceiveAsync_ZeroWait_PostsToTheEntitysHeadWithTimeoutZero(string path, string expected)
    {
        var bus = Bus();

        Assert.Null(await bus.ReceiveAsync(path, TimeSpan.Zero, Cancel));

        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(expected, request.PathAndQuery);
        Assert.Equal(204, request.Status);
    }

    [Fact]
    public async Task ReceiveAsync_WaitLongerThanOneRequest_LongPollsInBoundedRequests()
    {
        var bus = Bus();

        var receive = bus.ReceiveAsync("work", TimeSpan.FromSeconds(90.5), Cancel);
        await WaitForLongPollAsync(1);
        _time.Advance(TimeSpan.FromSeconds(60));
        await WaitForLongPollAsync(2);
        _time.Advance(TimeSpan.FromSeconds(31));
        var result = await receive.WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        Assert.Null(result);
        Assert.Equal(["/work/messages/head?timeout=60", "/work/messages/head?timeout=31"], _server.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task ReceiveAsync_Message_ReadsBrokerPropertiesAndSettlesOnItsLocation()
    {
        var bus = Bus();
        await bus.SendAsync("work", BusMessage.FromText("job").WithId("m1"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        var stored = Assert.Single(_server.Broker.Messages("work"));
        var (sequence, lockToken) = (stored.SequenceNumber, stored.LockToken);
        var location = $"/work/messages/{sequence}/{lockToken}";

        await bus.RenewLockAsync(received, Cancel);
        await bus.AbandonAsync(received, cancellationToken: Cancel);
        var again = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(again);
        await bus.CompleteAsync(again, Cancel);

        Assert.Equal(sequence, received.SequenceNumber);
        Assert.Equal(lockToken, received.LockToken);
        Assert.Equal("m1", received.MessageId);
        var settles = _server.Requests.Skip(2).Select(r => $"{r.Method} {r.PathAndQuery} {r.Status}").ToList();
        Assert.Equal($"POST {location} 200", settles[0]);
        Assert.Equal($"PUT {location} 200", settles[1]);
        Assert.Equal($"DELETE /work/messages/{again.SequenceNumber}/{again.LockToken} 200", settles[3]);
        Assert.Empty(_server.Broker.Messages("work"));
    }

    [Fact]
    public async Task ReceiveAsync_DeadLetteredMessage_LiftsDeadLetterHeadersOutOfTheApplicationProperties()
    {
        var bus = Bus();
        var sent = BusMessage.FromText("poison").WithId("p1");
        sent.ApplicationProperties["stage"] = "distill";
        await bus.SendAsync("work", sent, Cancel);
        for (var i = 0; i < 3; i++)
        {
            var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
            await bus.AbandonAsync(received!, cancellationToken: Cancel);
        }

        var dead = await bus.ReceiveAsync("work/$deadletterqueue", TimeSpan.Zero, Cancel);

        Assert.NotNull(dead);
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.DeadLetterReason);
        Assert.Equal("Message could not be consumed after 3 delivery attempts.", dead.DeadLetterErrorDescription);
        Assert.Equal("distill", Assert.Single(dead.ApplicationProperties).Value);
    }

    [Fact]
    public async Task SettleAsync_MessageFromAnotherBusInstance_BuildsTheLocationFromSequenceNumberAndLockToken()
    {
        var receiver = Bus();
        var settler = Bus();
        await receiver.SendAsync("work", BusMessage.FromText("handed over"), Cancel);
        var received = await receiver.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);

        await settler.CompleteAsync(received, Cancel);

        var complete = _server.Requests[^1];
        Assert.Equal($"DELETE /work/messages/{received.SequenceNumber}/{received.LockToken}", $"{complete.Method} {complete.PathAndQuery}");
        Assert.Equal(200, complete.Status);
    }

    // ---- delayed abandon ----

    [Fact]
    public async Task AbandonAsync_DelayOnQueue_RenewsResendsScheduledCopyCarryingIdAndCountThenCompletes()
    {
        var bus = Bus();
        var sent = BusMessage.FromText("retry later").WithId("run1:distill:1");
        sent.CorrelationId = "run1";
        sent.ApplicationProperties["stage"] = "distill";
        await bus.SendAsync("work", sent, Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        var location = $"/work/messages/{received.SequenceNumber}/{received.LockToken}";

        await bus.AbandonAsync(received, TimeSpan.FromMinutes(2), Cancel);

        var requests = _server.Requests.Skip(2).ToList();
        Assert.Equal([$"POST {location}", "POST /work/messages", $"DELETE {location}"], requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        var copy = requests[1];
        using var broker = JsonDocument.Parse(copy.Header("BrokerProperties")!);
        Assert.NotEqual("run1:distill:1", broker.RootElement.GetProperty("MessageId").GetString());
        Assert.Equal("run1", broker.RootElement.GetProperty("CorrelationId").GetString());
        Assert.Equal("Sun, 01 Mar 2026 12:02:00 GMT", broker.RootElement.GetProperty("ScheduledEnqueueTimeUtc").GetString());
        Assert.Equal("\"run1:distill:1\"", copy.Header("X-Distill-Message-Id"));
        Assert.Equal("1", copy.Header("X-Distill-Delivery-Count"));
        Assert.Equal("\"distill\"", copy.Header("stage"));
        var stored = Assert.Single(_server.Broker.Messages("work"));
        Assert.Equal(s_start + TimeSpan.FromMinutes(2), stored.VisibleAt);
        _time.Advance(TimeSpan.FromMinutes(2));
        var again = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(again);
        Assert.Equal("run1:distill:1", again.MessageId);
        Assert.Equal(2, again.DeliveryCount);
        Assert.Equal("distill", Assert.Single(again.ApplicationProperties).Value);
    }

    [Fact]
    public async Task AbandonAsync_DelayOnSubscription_HoldsTheLockRenewingThenAbandonsAfterTheDelay()
    {
        var bus = Bus();
        await bus.SendAsync("events", BusMessage.FromText("event").WithId("e1"), Cancel);
        var received = await bus.ReceiveAsync("events/subscriptions/all", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);

        await bus.AbandonAsync(received, TimeSpan.FromMinutes(1), Cancel);
        ReceivedBusMessage? again = null;
        for (var second = 1; second <= 90 && again is null; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, Cancel);
            again = await bus.ReceiveAsync("events/subscriptions/all", TimeSpan.Zero, Cancel);
        }

        Assert.NotNull(again);
        var hidden = _time.GetUtcNow() - s_start;
        Assert.True(hidden >= TimeSpan.FromMinutes(1) && hidden <= TimeSpan.FromSeconds(63), $"redelivered after {hidden}");
        Assert.Equal("e1", again.MessageId);
        Assert.Equal(2, again.DeliveryCount);
        var location = $"/events/subscriptions/all/messages/{received.SequenceNumber}/{received.LockToken}";
        var settles = _server.Requests.Where(r => r.PathAndQuery == location).Select(r => $"{r.Method} {r.Status}").ToList();
        Assert.True(settles.Count(s => s == "POST 200") >= 6, string.Join(", ", settles));
        Assert.Equal("PUT 200", settles[^1]);
        Assert.Single(_server.Requests, r => r.PathAndQuery == "/events/messages");
    }

    // ---- errors and retries ----

    [Fact]
    public async Task SendAsync_503Once_IsRetriedByThePipelineAndSucceeds()
    {
        var bus = Bus();
        _server.FailNext(503);

        await bus.SendAsync("work", BusMessage.FromText("x").WithId("once"), Cancel);

        Assert.Equal([503, 201], _server.Requests.Select(r => r.Status));
        Assert.All(_server.Requests, r => Assert.Equal("/work/messages", r.PathAndQuery));
        Assert.Single(_server.Broker.Messages("work"));
    }

    [Fact]
    public async Task SendAsync_503BeyondTheRetries_FailsOnceWithoutAnotherLayerRetrying()
    {
        var bus = Bus(options => options.Retry.MaxRetries = 2);
        _server.FailNext(503, count: 10);

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.SendAsync("work", BusMessage.FromText("x"), Cancel));

        Assert.Equal(MessagingErrorReason.General, error.Reason);
        Assert.Contains("503", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("abandon")]
    [InlineData("renew")]
    public async Task Settle_WrongLockToken_404MapsToLockLost(string operation)
    {
        var bus = Bus();
        await bus.SendAsync("work", BusMessage.FromText("x"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        var forged = new ReceivedBusMessage { EntityPath = "work", MessageId = received.MessageId, SequenceNumber = received.SequenceNumber, LockToken = Guid.NewGuid().ToString() };

        var error = await Assert.ThrowsAsync<MessagingException>(() => operation switch
        {
            "complete" => bus.CompleteAsync(forged, Cancel),
            "abandon" => bus.AbandonAsync(forged, cancellationToken: Cancel),
            _ => bus.RenewLockAsync(forged, Cancel),
        });

        Assert.Equal(MessagingErrorReason.MessageLockLost, error.Reason);
        Assert.Equal(404, _server.Requests[^1].Status);
    }

    [Fact]
    public async Task CompleteAsync_410_MapsToLockLost()
    {
        var bus = Bus();
        await bus.SendAsync("work", BusMessage.FromText("x"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        _server.FailNext(410);

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.CompleteAsync(received, Cancel));

        Assert.Equal(MessagingErrorReason.MessageLockLost, error.Reason);
        Assert.Contains("entity is gone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAndReceive_EntityMissingFromTheNamespace_410MapsToEntityNotFound()
    {
        var declared = new BusTopology([new QueueDefinition("work"), new QueueDefinition("missing")]);
        var bus = Track(_server.CreateBus(declared));

        var send = await Assert.ThrowsAsync<MessagingException>(() => bus.SendAsync("missing", BusMessage.FromText("x"), Cancel));
        var receive = await Assert.ThrowsAsync<MessagingException>(() => bus.ReceiveAsync("missing", TimeSpan.Zero, Cancel));

        Assert.Equal(MessagingErrorReason.EntityNotFound, send.Reason);
        Assert.Equal("missing", send.EntityPath);
        Assert.Contains("'missing'", send.Message, StringComparison.Ordinal);
        Assert.Equal(MessagingErrorReason.EntityNotFound, receive.Reason);
        Assert.All(_server.Requests, r => Assert.Equal(410, r.Status));
    }

    [Fact]
    public async Task SendAsync_MessageOverTheLimit_403MapsToMessageTooLarge()
    {
        var bus = Bus();
        _server.Broker.MaxMessageSizeBytes = 1000;

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.SendAsync("work", new BusMessage(new byte[2000]), Cancel));

        Assert.Equal(MessagingErrorReason.MessageTooLarge, error.Reason);
        Assert.Equal(403, Assert.Single(_server.Requests).Status);
        Assert.Empty(_server.Broker.Messages("work"));
    }

    [Fact]
    public async Task SendAsync_413_MapsToMessageTooLarge()
    {
        var bus = Bus();
        _server.FailNext(413);

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.SendAsync("work", BusMessage.FromText("x"), Cancel));

        Assert.Equal(MessagingErrorReason.MessageTooLarge, error.Reason);
    }

    [Fact]
    public async Task SendAsync_PropertyNamedLikeAnHttpHeader_IsRejectedBeforeAnyRequest()
    {
        var bus = Bus();
        var message = BusMessage.FromText("x");
        message.ApplicationProperties["Content-Type"] = "text/plain";
        message.ApplicationProperties["x-ms-client-request-id"] = "1";

        var error = await Assert.ThrowsAsync<ArgumentException>(() => bus.SendAsync("work", message, Cancel));

        Assert.Contains("'Content-Type' is reserved", error.Message, StringComparison.Ordinal);
        Assert.Contains("'x-ms-client-request-id' is reserved", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    // ---- helpers ----

    private ServiceBusRestBus Bus(Action<ServiceBusRestClientOptions>? configure = null, string key = FakeServiceBusServer.Key) =>
        Track(_server.CreateBus(s_topology, configure: configure, key: key));

    private ServiceBusRestBus Track(ServiceBusRestBus bus)
    {
        _buses.Add(bus);
        return bus;
    }

    private static Dictionary<string, string> SasFields(string authorization)
    {
        Assert.StartsWith("SharedAccessSignature ", authorization, StringComparison.Ordinal);
        return authorization["SharedAccessSignature ".Length..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    /// <summary>Waits (in real time, briefly) until the namespace has seen <paramref name="count"/> requests and a receive is long-polling.</summary>
    private async Task WaitForLongPollAsync(int count)
    {
        await WaitForRequestsAsync(count);
        for (var i = 0; i < 500 && _server.WaitingReceives == 0; i++)
        {
            await Task.Delay(10, Cancel);
        }
        Assert.Equal(1, _server.WaitingReceives);
    }

    /// <summary>Waits (in real time, briefly) until the namespace has seen <paramref name="count"/> requests.</summary>
    private async Task WaitForRequestsAsync(int count)
    {
        for (var i = 0; i < 500 && _server.Requests.Count < count; i++)
        {
            await Task.Delay(10, Cancel);
        }
        Assert.True(_server.Requests.Count >= count, $"expected {count} requests, saw {_server.Requests.Count}");
    }
}
