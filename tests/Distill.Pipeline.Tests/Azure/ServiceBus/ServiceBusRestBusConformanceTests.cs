using Distill.Pipeline.Messaging;
using Distill.Pipeline.Tests.Messaging;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Azure.ServiceBus;

/// <summary>
/// The conformance suite against <see cref="Distill.Pipeline.Azure.ServiceBus.ServiceBusRestBus"/> talking HTTPS to the
/// in-test namespace (<see cref="FakeServiceBusServer"/>), one namespace per test, client and broker on one fake clock.
/// </summary>
public sealed class ServiceBusRestBusConformanceTests : MessageBusConformanceTests
{
    private readonly FakeTimeProvider _time = new(Start);
    private FakeServiceBusServer? _server;

    protected override DateTimeOffset UtcNow => _time.GetUtcNow();

    public override async ValueTask InitializeAsync()
    {
        _server = await FakeServiceBusServer.StartAsync(Topology, _time);
    }

    protected override Task<IMessageBus> OpenBusAsync(BusTopology topology) =>
        Task.FromResult<IMessageBus>(_server!.CreateBus(topology));

    protected override Task AdvanceTimeAsync(TimeSpan by)
    {
        _time.Advance(by);
        return Task.CompletedTask;
    }

    protected override async ValueTask DeleteStoreAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
