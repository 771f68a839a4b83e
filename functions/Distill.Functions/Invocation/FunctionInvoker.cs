using System.Text.Json;
using Distill.Functions.Hosting;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;

namespace Distill.Functions.Invocation;

/// <summary>
/// Runs one invocation: reads the host's request into the message the local stack's bus would have delivered, lets the
/// pipeline's dispatcher run the same handler (<see cref="PipelineHandlers.DispatchAsync"/>), and answers so that the
/// host settles the message as <see cref="PipelineHandlers.HandleAsync"/> would: 200 when the message is done with
/// (handled, dropped on purpose, or unreadable: the host completes it); after the same retry delay the local stack waits
/// (<see cref="PipelineHandlers.RetryDelay"/>, holding the message, whose lock the host renews), 503 for a transient
/// fault or 500 for an unexpected one (the host abandons it: delivered again, dead-lettered after the entity's maximum
/// delivery count). A request the app cannot read gets 400, which the host also treats as a failure.
/// </summary>
internal sealed partial class FunctionInvoker(PipelineHandlers handlers, PipelineContext context, InvocationLogProvider logs, ILogger<FunctionInvoker> logger)
{
    /// <summary>The header carrying the host's invocation id.</summary>
    public const string InvocationIdHeader = "X-Azure-Functions-InvocationId";

    public async Task<IResult> InvokeAsync(PipelineFunction function, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(http);
        var cancellationToken = http.RequestAborted;
        var invocationId = http.Request.Headers[InvocationIdHeader].ToString() is { Length: > 0 } id ? id : http.TraceIdentifier;
        using var scope = logger.BeginScope(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["FunctionName"] = function.Name,
            ["InvocationId"] = invocationId,
        });
        using var collection = logs.Begin();

        ReceivedBusMessage message;
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, default, cancellationToken).ConfigureAwait(false);
            message = ServiceBusTriggerMessage.Read(InvocationRequest.Parse(document.RootElement), function, invocationId, context.Now);
        }
        catch (Exception e) when (e is JsonException or InvalidInvocationException)
        {
            LogBadInvocation(logger, function.Name, invocationId, e.Message);
            return Respond(StatusCodes.Status400BadRequest, collection);
        }

        var outcome = await handlers.DispatchAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Disposition == MessageDisposition.Complete)
        {
            LogDone(logger, message.MessageId, function.EntityPath, message.DeliveryCount);
            return Respond(StatusCodes.Status200OK, collection);
        }
        var delay = PipelineHandlers.RetryDelay(message.DeliveryCount);
        LogFailing(logger, message.MessageId, function.EntityPath, message.DeliveryCount, delay);
        await Task.Delay(delay, context.Time, cancellationToken).ConfigureAwait(false);
        return Respond(outcome.IsTransient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError, collection);
    }

    private static IResult Respond(int statusCode, InvocationLogProvider.Collection collection) =>
        Results.Json(InvocationResponse.WithLogs(collection.Lines), FunctionsJsonContext.Default.InvocationResponse, statusCode: statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Invocation {InvocationId} of {FunctionName} cannot be read, so it fails and the host abandons the message: {Problem}")]
    private static partial void LogBadInvocation(ILogger logger, string functionName, string invocationId, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} from {EntityPath} (delivery {DeliveryCount}) is done with; the host completes it")]
    private static partial void LogDone(ILogger logger, string messageId, string entityPath, int deliveryCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} from {EntityPath} (delivery {DeliveryCount}) failed; the invocation fails after {Delay} and the host abandons the message, to deliver it again")]
    private static partial void LogFailing(ILogger logger, string messageId, string entityPath, int deliveryCount, TimeSpan delay);
}
