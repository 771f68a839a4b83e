using Azure.Core;
using Azure.Core.Pipeline;

namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// Removes the diagnostic headers Azure.Core adds (client request id, trace context) from sends: Service Bus REST
/// takes every non-standard request header of a send as an application property of the message, so they would
/// reach every receiver as properties.
/// </summary>
internal sealed class RestRequestHeadersPolicy : HttpPipelineSynchronousPolicy
{
    /// <summary>The <see cref="HttpMessage"/> property that marks a send.</summary>
    public const string SendProperty = "distill.servicebus.send";

    private static readonly string[] s_diagnosticHeaders =
        ["x-ms-client-request-id", "x-ms-return-client-request-id", "traceparent", "tracestate", "Request-Id"];

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.TryGetProperty(SendProperty, out _))
        {
            foreach (var header in s_diagnosticHeaders)
            {
                message.Request.Headers.Remove(header);
            }
        }
    }
}
