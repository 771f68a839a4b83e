using Distill.Pipeline.Events;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Runs;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Handlers;

/// <summary>What every handler works with: the store, the bus, the clock, the event publisher and the run states.</summary>
public sealed class PipelineContext
{
    public PipelineContext(IBlobStore blobs, IMessageBus bus, TimeProvider time, IExternalEventSink? externalSink = null)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(time);
        Blobs = blobs;
        Bus = bus;
        Time = time;
        Events = new PipelineEventPublisher(bus, blobs, time, externalSink);
        Runs = new RunStateStore(blobs);
    }

    public IBlobStore Blobs { get; }

    public IMessageBus Bus { get; }

    public TimeProvider Time { get; }

    public PipelineEventPublisher Events { get; }

    public RunStateStore Runs { get; }

    public DateTimeOffset Now => Time.GetUtcNow();
}
