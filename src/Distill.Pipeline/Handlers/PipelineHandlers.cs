using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Pipeline.Events;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Uploads;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// Runs the right handler for a message from one of the pipeline's entities (<see cref="EntityPaths"/>) and decides
/// what becomes of the message: complete it when it was handled, dropped on purpose, or cannot be read at all (an
/// error in the log, since redelivering it would fail the same way); abandon it, with a growing delay, on a transient
/// fault (<see cref="TransientFaults"/>) or an unexpected one, so that the bus delivers it again and, after its maximum
/// delivery count, dead-letters it (then <see cref="DeadLetterHandler"/> fails the run). Nothing is swallowed silently.
/// The Functions app calls <see cref="DispatchAsync"/> and lets its host settle; the local stack calls
/// <see cref="HandleAsync"/>, which also renews the lock while the handler runs and settles.
/// </summary>
public sealed partial class PipelineHandlers
{
    private static readonly TimeSpan s_maxRetryDelay = TimeSpan.FromMinutes(1);

    private readonly PipelineContext _context;
    private readonly ILogger<PipelineHandlers> _logger;

    public PipelineHandlers(PipelineContext context, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _context = context;
        _logger = loggerFactory.CreateLogger<PipelineHandlers>();
        Uploads = new UploadHandler(context, loggerFactory.CreateLogger<UploadHandler>());
        StageEvents = new StageEventsHandler(context, loggerFactory.CreateLogger<StageEventsHandler>());
        DeadLetters = new DeadLetterHandler(context, loggerFactory.CreateLogger<DeadLetterHandler>());
    }

    /// <summary>The upload notifications queue, the evaluation subscription and the dead-letter queues, each read by one handler.</summary>
    public static IReadOnlyList<string> EntityPaths { get; } =
    [
        PipelineTopology.UploadEventsQueue,
        PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription),
        .. DeadLetterHandler.EntityPaths,
    ];

    public UploadHandler Uploads { get; }

    public StageEventsHandler StageEvents { get; }

    public DeadLetterHandler DeadLetters { get; }

    /// <summary>How long an abandoned message waits before its next delivery: 1 s, 2 s, 4 s, … up to a minute.</summary>
    public static TimeSpan RetryDelay(int deliveryCount) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Clamp(deliveryCount, 1, 16) - 1), s_maxRetryDelay.TotalSeconds));

    /// <summary>
    /// Runs the handler of the message's entity and says what should become of the message; it does not settle it.
    /// Cancellation by <paramref name="cancellationToken"/> propagates.
    /// </summary>
    public async Task<HandlerOutcome> DispatchAsync(ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var scope = _logger.BeginScope(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["MessageId"] = message.MessageId,
            ["EntityPath"] = message.EntityPath,
            ["DeliveryCount"] = message.DeliveryCount,
        });
        try
        {
            await RouteAsync(message, cancellationToken).ConfigureAwait(false);
            return HandlerOutcome.Handled;
        }
        catch (InvalidMessageException e)
        {
            LogUnreadable(_logger, e, message.MessageId, message.EntityPath);
            return new HandlerOutcome(MessageDisposition.Complete, e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (TransientFaults.IsTransient(e))
        {
            LogTransient(_logger, e, message.MessageId, message.EntityPath, message.DeliveryCount, e.Message);
            return new HandlerOutcome(MessageDisposition.Abandon, e, IsTransient: true);
        }
        catch (Exception e)
        {
            // Anything else is a fault to report and redeliver: after the maximum delivery count the dead letter fails the run.
            LogUnexpected(_logger, e, message.MessageId, message.EntityPath, message.DeliveryCount);
            return new HandlerOutcome(MessageDisposition.Abandon, e);
        }
    }

    /// <summary>
    /// Dispatches the message while renewing its lock, then settles it: completes or abandons it (with
    /// <see cref="RetryDelay"/>). When the lock is lost meanwhile, the handler is cancelled and the message left to the
    /// bus, which delivers it again.
    /// </summary>
    public async Task<HandlerOutcome> HandleAsync(ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var lockLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewLockAsync(message, lockLost, stopRenewing.Token);
        HandlerOutcome outcome;
        try
        {
            outcome = await DispatchAsync(message, lockLost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lockLost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            outcome = new HandlerOutcome(MessageDisposition.LockLost);
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
        }
        if (lockLost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            outcome = outcome with { Disposition = MessageDisposition.LockLost };
        }

        try
        {
            switch (outcome.Disposition)
            {
                case MessageDisposition.Complete:
                    await _context.Bus.CompleteAsync(message, cancellationToken).ConfigureAwait(false);
                    break;
                case MessageDisposition.Abandon:
                    await _context.Bus.AbandonAsync(message, RetryDelay(message.DeliveryCount), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    LogLockLost(_logger, message.MessageId, message.EntityPath);
                    break;
            }
        }
        catch (MessagingException e) when (e.Reason == MessagingErrorReason.MessageLockLost)
        {
            // The lock ran out while settling: the bus delivers the message again, and the handlers are idempotent.
            LogLockLost(_logger, message.MessageId, message.EntityPath);
            return outcome with { Disposition = MessageDisposition.LockLost };
        }
        return outcome;
    }

    /// <summary>Receives the next message from <paramref name="entityPath"/> (waiting up to <paramref name="maxWait"/>) and handles it; null when none came.</summary>
    public async Task<HandlerOutcome?> ProcessNextAsync(string entityPath, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var message = await _context.Bus.ReceiveAsync(entityPath, maxWait, cancellationToken).ConfigureAwait(false);
        return message is null ? null : await HandleAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private Task RouteAsync(ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        var path = message.EntityPath;
        if (path.Equals(PipelineTopology.UploadEventsQueue, StringComparison.OrdinalIgnoreCase))
        {
            return Uploads.HandleAsync(Read(message, BlobCreatedEvent.Parse), cancellationToken);
        }
        if (path.Equals(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription), StringComparison.OrdinalIgnoreCase))
        {
            var cloudEvent = Read(message, _ => PipelineEventPublisher.Read(message));
            if (!DistillEventTypes.IsKnown(cloudEvent.Type))
            {
                return StageEvents.HandleAsync(cloudEvent, cancellationToken);
            }
            var data = Read(message, _ => DistillEvents.ReadData(cloudEvent));
            return StageEvents.HandleAsync(data, cancellationToken);
        }
        if (DeadLetterHandler.EntityPaths.Contains(path, StringComparer.OrdinalIgnoreCase))
        {
            return DeadLetters.HandleAsync(message, cancellationToken);
        }
        throw new ArgumentException($"no pipeline handler reads {path} (they read {string.Join(", ", EntityPaths)})", nameof(message));
    }

    private async Task RenewLockAsync(ReceivedBusMessage message, CancellationTokenSource lockLost, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var remaining = message.LockedUntil - _context.Now;
                await Task.Delay(remaining > TimeSpan.FromSeconds(2) ? remaining / 2 : TimeSpan.FromSeconds(1), _context.Time, stop).ConfigureAwait(false);
                try
                {
                    await _context.Bus.RenewLockAsync(message, stop).ConfigureAwait(false);
                }
                catch (MessagingException e) when (e.Reason == MessagingErrorReason.MessageLockLost)
                {
                    LogLockLost(_logger, message.MessageId, message.EntityPath);
                    await lockLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (TransientFaults.IsTransient(e))
                {
                    LogRenewFailed(_logger, e, message.MessageId, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The handler finished.
        }
    }

    private static T Read<T>(ReceivedBusMessage message, Func<string, T> parse)
    {
        try
        {
            return parse(message.BodyToString());
        }
        catch (JsonException e)
        {
            throw new InvalidMessageException($"message '{message.MessageId}' from {message.EntityPath} cannot be read: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Completed message {MessageId} from {EntityPath} without handling it: it cannot be read, and would fail the same way again")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string messageId, string entityPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} from {EntityPath} (delivery {DeliveryCount}) met a transient fault and will be delivered again: {Fault}")]
    private static partial void LogTransient(ILogger logger, Exception exception, string messageId, string entityPath, int deliveryCount, string fault);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} from {EntityPath} (delivery {DeliveryCount}) failed unexpectedly; it will be delivered again, and dead-lettered after the maximum delivery count")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string messageId, string entityPath, int deliveryCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lock of message {MessageId} from {EntityPath}; the bus delivers it again")]
    private static partial void LogLockLost(ILogger logger, string messageId, string entityPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lock of message {MessageId}: {Fault}")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string messageId, string fault);
}
