using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// <see cref="IMessageBus"/> over the Service Bus REST data plane: send and batch send, peek-lock receive from queues,
/// subscriptions and dead-letter queues (long-polled), complete (DELETE), abandon (PUT) and renew (POST) on the
/// message's <c>Location</c>. Requests go through an Azure.Core <see cref="HttpPipeline"/>, which alone retries
/// transient faults, authenticated with Entra ID or a shared access key.
/// </summary>
/// <remarks>
/// <para>The topology is the one the namespace was deployed with (infra/ declares the same): names are checked against
/// it before any request, and it supplies what the REST protocol does not return: lock durations and
/// MaxDeliveryCount.</para>
/// <para>REST has no delayed abandon. On a queue, <see cref="AbandonAsync"/> with a delay re-sends the message scheduled
/// at now + delay under a fresh broker id, carrying the logical id and the deliveries so far in
/// <c>X-Distill-Message-Id</c> and <c>X-Distill-Delivery-Count</c>, then completes the original; a receive reports the
/// logical id and the carried count plus the broker's, and abandons (without handing out) a copy whose total passes
/// MaxDeliveryCount until the broker dead-letters it. A subscription or dead-letter queue cannot be sent to, so there
/// the bus keeps the lock (renewing it every third of the lock duration) until the delay has passed and then
/// abandons; if the process ends first, the lock simply runs out.</para>
/// </remarks>
public sealed class ServiceBusRestBus : IMessageBus
{
    /// <summary>Application property carrying the logical message id of a delayed redelivery.</summary>
    internal const string LogicalMessageIdProperty = "X-Distill-Message-Id";

    /// <summary>Application property carrying the deliveries before a delayed redelivery.</summary>
    internal const string CarriedDeliveryCountProperty = "X-Distill-Delivery-Count";

    private const string DeadLetterQueueRestSegment = "$DeadLetterQueue";

    /// <summary>How much longer than the long-poll a receive request may take on the network before the pipeline gives up.</summary>
    private static readonly TimeSpan s_longPollMargin = TimeSpan.FromSeconds(30);

    /// <summary>How long to pause when the broker answers "no message" well before the requested wait (it should not).</summary>
    private static readonly TimeSpan s_earlyEmptyPause = TimeSpan.FromSeconds(1);

    private readonly HttpPipeline _pipeline;
    private readonly BusTopology _topology;
    private readonly TimeProvider _time;
    private readonly ServiceBusRestOptions _options;
    private readonly Uri _endpoint;
    private readonly ConditionalWeakTable<ReceivedBusMessage, Uri> _locations = [];
    private readonly ConcurrentDictionary<Task, bool> _heldAbandons = new();
    private readonly CancellationTokenSource _disposing = new();
    private int _disposed;

    /// <summary>A bus for the namespace in <paramref name="options"/> serving the entities of <paramref name="topology"/>.</summary>
    /// <param name="credential">For Entra ID authentication; null takes <see cref="DefaultAzureCredential"/> (managed identity on Azure). Must be null with a shared access key.</param>
    /// <param name="timeProvider">The clock for receive waits, lock renewals and SharedAccessSignature expiry; the system clock when null.</param>
    /// <param name="clientOptions">Retry, transport and diagnostics settings of the Azure.Core pipeline.</param>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed), or a credential was given with a shared access key.</exception>
    public ServiceBusRestBus(
        ServiceBusRestOptions options,
        BusTopology topology,
        TokenCredential? credential = null,
        TimeProvider? timeProvider = null,
        ServiceBusRestClientOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(topology);
        options.ThrowIfInvalid();
        _options = options;
        _topology = topology;
        _time = timeProvider ?? TimeProvider.System;
        _endpoint = options.Endpoint;
        HttpPipelinePolicy authentication;
        if (options.Authentication == ServiceBusAuthenticationKind.SharedAccessKey)
        {
            if (credential is not null)
            {
                throw new ArgumentException("a TokenCredential was given but Authentication is SharedAccessKey; choose one way to authenticate", nameof(credential));
            }
            authentication = new SharedAccessSignaturePolicy(_endpoint, options.SharedAccessKeyName!, options.SharedAccessKey!, options.SharedAccessSignatureLifetime, _time);
        }
        else
        {
            authentication = new BearerTokenAuthenticationPolicy(credential ?? new DefaultAzureCredential(), ServiceBusRestOptions.EntraScope);
        }
        _pipeline = HttpPipelineBuilder.Build(
            clientOptions ?? new ServiceBusRestClientOptions(),
            perCallPolicies: [],
            perRetryPolicies: [authentication, new RestRequestHeadersPolicy()],
            responseClassifier: new ResponseClassifier());
    }

    /// <summary>The namespace's endpoint, <c>https://{namespace}/</c>.</summary>
    public Uri Endpoint => _endpoint;

    /// <inheritdoc/>
    public Task SendAsync(string entityName, BusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendBatchAsync(entityName, [message], cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>One message goes as a single send; several as one batch request (Service Bus's batch format, whose
    /// bodies are text: a body that is not UTF-8 fails with <see cref="ArgumentException"/>).</remarks>
    public async Task SendBatchAsync(string entityName, IReadOnlyList<BusMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var target = _topology.GetSendTarget(entityName);
        var outgoing = messages.Select(OutgoingMessage.From).ToList();
        ThrowIfDisposed();
        if (outgoing.Count == 0)
        {
            return;
        }
        var uri = new Uri(_endpoint, $"{target.Name}/messages");
        using var request = CreateMessage(RequestMethod.Post, uri);
        request.SetProperty(RestRequestHeadersPolicy.SendProperty, true);
        if (outgoing.Count == 1)
        {
            WriteSingle(request.Request, outgoing[0], extraProperties: null);
        }
        else
        {
            request.Request.Headers.SetValue(HttpHeader.Names.ContentType, RestMessageFormat.BatchContentType);
            request.Request.Content = RequestContent.Create(RestMessageFormat.Batch(outgoing));
        }
        var what = outgoing.Count == 1 ? $"send message '{outgoing[0].MessageId}' to {target.Name}" : $"send {outgoing.Count} messages to {target.Name}";
        var response = await SendRequestAsync(request, what, target.Name, cancellationToken).ConfigureAwait(false);
        if (response.Status != 201 && response.Status != 200)
        {
            throw Failure(response, what, target.Name, MessagingErrorReason.EntityNotFound);
        }
    }

    /// <inheritdoc/>
    public async Task<ReceivedBusMessage?> ReceiveAsync(string entityPath, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var (entity, deadLetter) = _topology.GetReceiveSource(entityPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        ThrowIfDisposed();
        var reportedPath = deadLetter ? entity.DeadLetterPath : entity.Path;
        var start = _time.GetUtcNow();
        var deadline = maxWait >= DateTimeOffset.MaxValue - start ? DateTimeOffset.MaxValue : start + maxWait;
        while (true)
        {
            var requestStart = _time.GetUtcNow();
            var remaining = deadline - requestStart;
            var wait = remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining < _options.MaxReceiveRequestWait ? remaining : _options.MaxReceiveRequestWait;
            var seconds = (long)Math.Ceiling(wait.TotalSeconds);
            var uri = new Uri(_endpoint, $"{RestPath(entity, deadLetter)}/messages/head?timeout={seconds.ToString(CultureInfo.InvariantCulture)}");
            using var request = CreateMessage(RequestMethod.Post, uri);
            request.NetworkTimeout = TimeSpan.FromSeconds(seconds) + s_longPollMargin;
            var response = await SendRequestAsync(request, $"receive from {reportedPath}", reportedPath, cancellationToken).ConfigureAwait(false);
            if (response.Status is 200 or 201)
            {
                var (message, location, hide) = ReadReceived(response, entity, deadLetter, reportedPath);
                if (!hide)
                {
                    _locations.AddOrUpdate(message, location);
                    return message;
                }
                // A delayed redelivery that has used up its deliveries: give it back until the broker dead-letters it.
                await ReleaseExhaustedCopyAsync(message, location, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (response.Status != 204)
            {
                throw Failure(response, $"receive from {reportedPath}", reportedPath, MessagingErrorReason.EntityNotFound);
            }
            var now = _time.GetUtcNow();
            if (now >= deadline)
            {
                return null;
            }
            if (now - requestStart < TimeSpan.FromSeconds(seconds) - s_earlyEmptyPause)
            {
                var pause = deadline - now < s_earlyEmptyPause ? deadline - now : s_earlyEmptyPause;
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async Task CompleteAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var location = Location(message);
        ThrowIfDisposed();
        await SettleAsync(RequestMethod.Delete, location, message, "complete", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>See the class remarks for how a delay works over REST.</remarks>
    public async Task AbandonAsync(ReceivedBusMessage message, TimeSpan redeliveryDelay = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(redeliveryDelay, TimeSpan.Zero);
        var (entity, deadLetter) = _topology.GetReceiveSource(message.EntityPath);
        var location = Location(message);
        ThrowIfDisposed();
        if (redeliveryDelay == TimeSpan.Zero || (!deadLetter && message.DeliveryCount >= entity.MaxDeliveryCount))
        {
            // Exhausted: the broker dead-letters the original at once; a copy comes back and is abandoned by receives.
            await SettleAsync(RequestMethod.Put, location, message, "abandon", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (deadLetter || entity.Path.Contains('/', StringComparison.Ordinal))
        {
            await HoldThenAbandonAsync(message, location, entity, redeliveryDelay, cancellationToken).ConfigureAwait(false);
            return;
        }
        await RedeliverLaterAsync(message, location, entity, redeliveryDelay, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<DateTimeOffset> RenewLockAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (entity, _) = _topology.GetReceiveSource(message.EntityPath);
        var location = Location(message);
        ThrowIfDisposed();
        var lockedUntil = await RenewAsync(message, location, entity, cancellationToken).ConfigureAwait(false);
        message.SetLockedUntil(lockedUntil);
        return lockedUntil;
    }

    /// <summary>Stops the lock holders of delayed abandons on subscriptions (their locks run out by themselves).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _disposing.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_heldAbandons.Keys).ConfigureAwait(false);
        _disposing.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        return message;
    }

    /// <summary>Sends through the pipeline (which retries transient faults); a fault left after its retries becomes a <see cref="MessagingException"/>.</summary>
    private async Task<Response> SendRequestAsync(HttpMessage message, string what, string entityPath, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw new MessagingException($"cannot {what}: the request to {_endpoint.Host} failed after the pipeline's retries: {e.Message}", MessagingErrorReason.General, entityPath, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MessagingException($"cannot {what}: the request to {_endpoint.Host} timed out: {e.Message}", MessagingErrorReason.General, entityPath, e);
        }
        catch (AuthenticationFailedException e)
        {
            throw new MessagingException($"cannot {what}: no Entra ID token for {ServiceBusRestOptions.EntraScope}: {e.Message}", MessagingErrorReason.General, entityPath, e);
        }
        return message.Response;
    }

    private static void WriteSingle(Request request, OutgoingMessage message, IReadOnlyDictionary<string, object>? extraProperties, string? messageId = null, DateTimeOffset? scheduled = null, TimeSpan? timeToLive = null)
    {
        request.Headers.SetValue(
            RestMessageFormat.BrokerPropertiesHeader,
            RestMessageFormat.BrokerProperties(messageId ?? message.MessageId, message.CorrelationId, message.Subject, scheduled ?? message.ScheduledEnqueueTime, timeToLive ?? message.TimeToLive));
        if (message.ContentType is not null)
        {
            request.Headers.SetValue(HttpHeader.Names.ContentType, message.ContentType);
        }
        foreach (var (name, value) in message.ApplicationProperties)
        {
            request.Headers.SetValue(name, RestMessageFormat.PropertyValue(value));
        }
        foreach (var (name, value) in extraProperties ?? new Dictionary<string, object>())
        {
            request.Headers.SetValue(name, RestMessageFormat.PropertyValue(value));
        }
        request.Content = RequestContent.Create(message.Body);
    }

    private (ReceivedBusMessage Message, Uri Location, bool Hide) ReadReceived(Response response, ReceivableEntity entity, bool deadLetter, string reportedPath)
    {
        string where = $"a message received from {reportedPath}";
        if (!response.Headers.TryGetValue(RestMessageFormat.BrokerPropertiesHeader, out var brokerJson))
        {
            throw new MessagingException($"{where} has no BrokerProperties header (HTTP {response.Status})", MessagingErrorReason.General, reportedPath);
        }
        RestBrokerProperties broker;
        try
        {
            broker = RestBrokerProperties.Parse(brokerJson);
        }
        catch (FormatException e)
        {
            throw new MessagingException($"{where}: {e.Message}", MessagingErrorReason.General, reportedPath, e);
        }
        if (broker.LockToken is null || broker.SequenceNumber is null || broker.MessageId is null)
        {
            throw new MessagingException($"{where}: BrokerProperties lacks LockToken, SequenceNumber or MessageId: {brokerJson}", MessagingErrorReason.General, reportedPath);
        }
        var location = ReadLocation(response, where, reportedPath);
        var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        string? logicalId = null;
        var carried = 0;
        string? deadLetterReason = null;
        string? deadLetterDescription = null;
        foreach (var header in response.Headers)
        {
            if (header.Name.Equals(LogicalMessageIdProperty, StringComparison.OrdinalIgnoreCase))
            {
                logicalId = ReadString(header);
            }
            else if (header.Name.Equals(CarriedDeliveryCountProperty, StringComparison.OrdinalIgnoreCase))
            {
                carried = int.TryParse(header.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
            }
            else if (header.Name.Equals("DeadLetterReason", StringComparison.OrdinalIgnoreCase))
            {
                deadLetterReason = ReadString(header);
            }
            else if (header.Name.Equals("DeadLetterErrorDescription", StringComparison.OrdinalIgnoreCase))
            {
                deadLetterDescription = ReadString(header);
            }
            else if (RestMessageFormat.TryReadProperty(header.Name, header.Value, out var value))
            {
                properties[header.Name] = value;
            }
        }
        var deliveryCount = carried + broker.DeliveryCount;
        var expiresAt = broker.ExpiresAtUtc
            ?? (broker.TimeToLive is { } ttl && broker.EnqueuedTimeUtc is { } enqueued && ttl < DateTimeOffset.MaxValue - enqueued ? enqueued + ttl : null);
        var message = new ReceivedBusMessage
        {
            EntityPath = reportedPath,
            Body = response.Content.ToArray(),
            MessageId = logicalId ?? broker.MessageId,
            CorrelationId = broker.CorrelationId,
            Subject = broker.Label,
            ContentType = response.Headers.ContentType,
            ApplicationProperties = properties,
            SequenceNumber = broker.SequenceNumber.Value,
            EnqueuedTime = broker.EnqueuedTimeUtc ?? _time.GetUtcNow(),
            ExpiresAt = expiresAt,
            DeliveryCount = deliveryCount,
            LockToken = broker.LockToken,
            LockedUntil = broker.LockedUntilUtc ?? _time.GetUtcNow() + entity.LockDuration,
            DeadLetterReason = deadLetter ? deadLetterReason : null,
            DeadLetterErrorDescription = deadLetter ? deadLetterDescription : null,
        };
        return (message, location, !deadLetter && carried > 0 && deliveryCount > entity.MaxDeliveryCount);

        static string ReadString(HttpHeader header) =>
            RestMessageFormat.TryReadProperty("value", header.Value, out var value) && value is string s ? s : header.Value.Trim();
    }

    /// <summary>The <c>Location</c> header, which must point into this namespace (the token goes there).</summary>
    private Uri ReadLocation(Response response, string where, string reportedPath)
    {
        if (!response.Headers.TryGetValue("Location", out var text) || !Uri.TryCreate(text, UriKind.Absolute, out var location))
        {
            throw new MessagingException($"{where} has no valid Location header, which settling needs", MessagingErrorReason.General, reportedPath);
        }
        if (Uri.Compare(location, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new MessagingException($"{where} has the Location '{location}', outside the namespace {_endpoint}", MessagingErrorReason.General, reportedPath);
        }
        return location;
    }

    /// <summary>The message's settle URL: its <c>Location</c> if this bus received it, else built from its parts as the REST reference allows.</summary>
    private Uri Location(ReceivedBusMessage message)
    {
        if (_locations.TryGetValue(message, out var location))
        {
            return location;
        }
        var (entity, deadLetter) = _topology.GetReceiveSource(message.EntityPath);
        var sequence = message.SequenceNumber.ToString(CultureInfo.InvariantCulture);
        return new Uri(_endpoint, $"{RestPath(entity, deadLetter)}/messages/{sequence}/{Uri.EscapeDataString(message.LockToken)}");
    }

    private static string RestPath(ReceivableEntity entity, bool deadLetter) =>
        deadLetter ? $"{entity.Path}/{DeadLetterQueueRestSegment}" : entity.Path;

    private async Task SettleAsync(RequestMethod method, Uri location, ReceivedBusMessage message, string operation, CancellationToken cancellationToken)
    {
        using var request = CreateMessage(method, location);
        var what = $"{operation} message '{message.MessageId}' (sequence {message.SequenceNumber}) from {message.EntityPath}";
        var response = await SendRequestAsync(request, what, message.EntityPath, cancellationToken).ConfigureAwait(false);
        if (response.Status is < 200 or > 299)
        {
            throw Failure(response, what, message.EntityPath, MessagingErrorReason.MessageLockLost);
        }
    }

    private async Task<DateTimeOffset> RenewAsync(ReceivedBusMessage message, Uri location, ReceivableEntity entity, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await SettleAsync(RequestMethod.Post, location, message, "renew the lock of", cancellationToken).ConfigureAwait(false);
        // The REST answer carries no new expiry: the broker extends the lock by the entity's lock duration.
        return now + entity.LockDuration;
    }

    /// <summary>A queue's delayed abandon: a scheduled copy carrying the logical id and count, then the original completed.</summary>
    private async Task RedeliverLaterAsync(ReceivedBusMessage message, Uri location, ReceivableEntity entity, TimeSpan delay, CancellationToken cancellationToken)
    {
        // Renewing first proves the lock still holds (else no copy is sent) and leaves time for the send and the completion.
        await RenewAsync(message, location, entity, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var scheduled = delay >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + delay;
        TimeSpan? timeToLive = null;
        if (message.ExpiresAt is { } expiresAt)
        {
            // The copy expires when the original would have (at least a second after it becomes visible).
            timeToLive = expiresAt - scheduled > TimeSpan.FromSeconds(1) ? expiresAt - scheduled : TimeSpan.FromSeconds(1);
        }
        var copy = new BusMessage(message.Body)
        {
            CorrelationId = message.CorrelationId,
            Subject = message.Subject,
            ContentType = message.ContentType,
        };
        var outgoing = OutgoingMessage.From(copy);
        var carried = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase)
        {
            [LogicalMessageIdProperty] = message.MessageId,
            [CarriedDeliveryCountProperty] = (long)message.DeliveryCount,
        };
        foreach (var (name, value) in message.ApplicationProperties)
        {
            carried[name] = value;
        }
        using var request = CreateMessage(RequestMethod.Post, new Uri(_endpoint, $"{entity.Path}/messages"));
        request.SetProperty(RestRequestHeadersPolicy.SendProperty, true);
        WriteSingle(request.Request, outgoing, carried, Guid.NewGuid().ToString("N"), scheduled, timeToLive);
        var what = $"abandon message '{message.MessageId}' from {message.EntityPath} with a delay of {delay} (re-sending it scheduled at {scheduled:O})";
        var response = await SendRequestAsync(request, what, message.EntityPath, cancellationToken).ConfigureAwait(false);
        if (response.Status != 201 && response.Status != 200)
        {
            throw Failure(response, what, message.EntityPath, MessagingErrorReason.EntityNotFound);
        }
        await SettleAsync(RequestMethod.Delete, location, message, "complete (after re-sending it delayed)", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A subscription's or dead-letter queue's delayed abandon: keep the lock until the delay passes, then abandon.</summary>
    private async Task HoldThenAbandonAsync(ReceivedBusMessage message, Uri location, ReceivableEntity entity, TimeSpan delay, CancellationToken cancellationToken)
    {
        // Renewing at once proves the lock holds, so a lost lock is reported to the caller as for any abandon.
        await RenewAsync(message, location, entity, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var releaseAt = delay >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + delay;
        var holding = HoldAsync(message, location, entity, releaseAt);
        _heldAbandons.TryAdd(holding, true);
        _ = holding.ContinueWith(t => _heldAbandons.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task HoldAsync(ReceivedBusMessage message, Uri location, ReceivableEntity entity, DateTimeOffset releaseAt)
    {
        var stop = _disposing.Token;
        var interval = entity.LockDuration / 3;
        try
        {
            while (true)
            {
                var left = releaseAt - _time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    await SettleAsync(RequestMethod.Put, location, message, "abandon (after its delay)", stop).ConfigureAwait(false);
                    return;
                }
                await Task.Delay(left < interval ? left : interval, _time, stop).ConfigureAwait(false);
                if (releaseAt > _time.GetUtcNow())
                {
                    await RenewAsync(message, location, entity, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The bus is closing: the lock runs out by itself and the message comes back then.
        }
        catch (MessagingException)
        {
            // The lock is gone (or the broker unreachable): the message comes back when its lock runs out, as after a crash.
        }
    }

    /// <summary>Abandons a copy that has used up its deliveries; a lost lock does not matter, the copy comes back anyway.</summary>
    private async Task ReleaseExhaustedCopyAsync(ReceivedBusMessage message, Uri location, CancellationToken cancellationToken)
    {
        try
        {
            await SettleAsync(RequestMethod.Put, location, message, "abandon (deliveries used up)", cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingException e) when (e.Reason == MessagingErrorReason.MessageLockLost)
        {
        }
    }

    /// <summary>The error for a response the operation does not expect, by status code.</summary>
    private static MessagingException Failure(Response response, string what, string entityPath, MessagingErrorReason notFoundReason)
    {
        var detail = Detail(response);
        return response.Status switch
        {
            404 or 410 when notFoundReason == MessagingErrorReason.MessageLockLost => new MessagingException(
                $"cannot {what}: the lock is lost (HTTP {response.Status}: {(response.Status == 410 ? "the entity is gone" : "no message with that lock: it expired, was settled, or was delivered again")}){detail}",
                MessagingErrorReason.MessageLockLost,
                entityPath),
            404 or 410 => new MessagingException(
                $"cannot {what}: the namespace has no entity '{entityPath}' (HTTP {response.Status}); deploy the topology (infra/) that declares it{detail}",
                MessagingErrorReason.EntityNotFound,
                entityPath),
            413 => new MessagingException($"cannot {what}: the message is too large (HTTP 413); send a blob path instead of the data{detail}", MessagingErrorReason.MessageTooLarge, entityPath),
            403 when IsSizeRefusal(response) => new MessagingException(
                $"cannot {what}: the message is too large (HTTP 403); send a blob path instead of the data{detail}", MessagingErrorReason.MessageTooLarge, entityPath),
            401 or 403 => new MessagingException(
                $"cannot {what}: the namespace refused the request (HTTP {response.Status}): check the credential and its role (Azure Service Bus Data Sender/Receiver) or the shared access key{detail}",
                MessagingErrorReason.General,
                entityPath),
            _ => new MessagingException($"cannot {what}: HTTP {response.Status} {response.ReasonPhrase}{detail}", MessagingErrorReason.General, entityPath),
        };
    }

    private static bool IsSizeRefusal(Response response)
    {
        var text = response.Content?.ToString() ?? "";
        return text.Contains("size", StringComparison.OrdinalIgnoreCase) || text.Contains("too large", StringComparison.OrdinalIgnoreCase);
    }

    private static string Detail(Response response)
    {
        var text = response.Content?.ToString().Trim() ?? "";
        if (text.Length == 0)
        {
            return "";
        }
        return text.Length > 400 ? $": {text[..400]}…" : $": {text}";
    }
}
