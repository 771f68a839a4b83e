using System.Globalization;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Messaging;

/// <summary>The SQLite bus shared by several OS processes on the real clock: competing receivers, a receiver killed mid-message.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteMessageBusProcessTests : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);

    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ReceiveAsync_ThreeCompetingProcesses_EachMessageIsReceivedExactlyOnce()
    {
        const int Count = 200;
        const int Receivers = 3;
        var database = _directory.File("bus.db");
        var topology = new BusTopology([new QueueDefinition("stages") { LockDuration = TimeSpan.FromSeconds(30) }]);
        await using var bus = new SqliteMessageBus(database, topology, TimeProvider.System);
        var hosts = Enumerable.Range(0, Receivers).Select(_ => BusHostProcess.Start("bus-compete", database, "stages", "30", "10")).ToList();
        try
        {
            foreach (var host in hosts)
            {
                Assert.Equal("ready", await host.ReadLineAsync(s_startTimeout));
            }

            for (var i = 0; i < Count; i++)
            {
                await bus.SendAsync("stages", BusMessage.FromText("work").WithId(Id(i)), TestContext.Current.CancellationToken);
            }
            for (var i = 0; i < Receivers; i++)
            {
                await bus.SendAsync("stages", BusMessage.FromText("stop").WithId($"stop{i}"), TestContext.Current.CancellationToken);
            }
            var perProcess = new List<List<string>>();
            foreach (var host in hosts)
            {
                perProcess.Add(await host.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"messages per process: {string.Join(", ", perProcess.Select(lines => lines.Count))}");
            var received = perProcess.SelectMany(lines => lines).Select(line => line["got ".Length..]).ToList();
            Assert.All(perProcess.SelectMany(lines => lines), line => Assert.StartsWith("got ", line, StringComparison.Ordinal));
            Assert.Equal(Count, received.Count);
            Assert.Equal(Enumerable.Range(0, Count).Select(Id), received.Order(StringComparer.Ordinal));
            Assert.True(perProcess.Count(lines => lines.Count > 0) >= 2, $"only one process received messages: {string.Join(", ", perProcess.Select(l => l.Count))}");
            Assert.Null(await bus.ReceiveAsync("stages", TimeSpan.Zero, TestContext.Current.CancellationToken));
        }
        finally
        {
            hosts.ForEach(host => host.Dispose());
        }

        static string Id(int i) => i.ToString("D3", CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ReceiveAsync_HolderKilledWhileLocked_MessageReappearsAfterLockExpiryWithDeliveryCountKept()
    {
        var lockDuration = TimeSpan.FromSeconds(3);
        var database = _directory.File("bus.db");
        var topology = new BusTopology([new QueueDefinition("stages") { LockDuration = lockDuration }]);
        await using var bus = new SqliteMessageBus(database, topology, TimeProvider.System);
        await bus.SendAsync("stages", BusMessage.FromText("precious").WithId("run1:distill:1"), TestContext.Current.CancellationToken);
        using var host = BusHostProcess.Start("bus-hold", database, "stages", lockDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("ready", await host.ReadLineAsync(s_startTimeout));
        var locked = (await host.ReadLineAsync(s_startTimeout)).Split(' ');
        Assert.Equal(["locked", "run1:distill:1", "1"], locked[..3]);
        var lockedUntil = new DateTimeOffset(long.Parse(locked[3], CultureInfo.InvariantCulture), TimeSpan.Zero);

        await host.KillAsync();
        var whileLocked = await bus.ReceiveAsync("stages", TimeSpan.Zero, TestContext.Current.CancellationToken);
        var checkedAt = DateTimeOffset.UtcNow;
        var redelivered = await bus.ReceiveAsync("stages", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var redeliveredAt = DateTimeOffset.UtcNow;

        if (checkedAt < lockedUntil)
        {
            Assert.Null(whileLocked);
        }
        Assert.True(redeliveredAt >= lockedUntil, $"redelivered at {redeliveredAt:O}, before the dead holder's lock ran out at {lockedUntil:O}");
        Assert.NotNull(redelivered);
        Assert.Equal("run1:distill:1", redelivered.MessageId);
        Assert.Equal("precious", redelivered.BodyToString());
        Assert.Equal(2, redelivered.DeliveryCount);
        await bus.CompleteAsync(redelivered, TestContext.Current.CancellationToken);
    }
}
