using Distill.Pipeline.Messaging;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Messaging;

/// <summary>The conformance suite against the SQLite bus, on a fake clock and a fresh database file per test.</summary>
public sealed class SqliteMessageBusConformanceTests : MessageBusConformanceTests
{
    private readonly FakeTimeProvider _time = new(Start);
    private readonly TemporaryDirectory _directory = new();

    protected override DateTimeOffset UtcNow => _time.GetUtcNow();

    protected override Task<IMessageBus> OpenBusAsync(BusTopology topology) =>
        Task.FromResult<IMessageBus>(new SqliteMessageBus(_directory.File("bus.db"), topology, _time));

    protected override Task AdvanceTimeAsync(TimeSpan by)
    {
        _time.Advance(by);
        return Task.CompletedTask;
    }

    protected override ValueTask DeleteStoreAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
