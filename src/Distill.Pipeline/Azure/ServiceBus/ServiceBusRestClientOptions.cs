using Azure.Core;

namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// The Azure.Core pipeline settings of <see cref="ServiceBusRestBus"/>: retries of transient faults (408, 429, 5xx,
/// network errors, with exponential back-off), the transport and diagnostics. This pipeline is the only layer that
/// retries a request; nothing above it does.
/// </summary>
public sealed class ServiceBusRestClientOptions : ClientOptions
{
}
