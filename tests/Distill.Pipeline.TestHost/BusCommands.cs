using System.Diagnostics;
using System.Globalization;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.TestHost;

/// <summary>
/// The bus commands (one line of output per event, so the parent test can follow along):
/// <c>bus-compete DB QUEUE LOCK_SECONDS WORK_MS</c> receives, works (sleeps), completes until a "stop" message,
/// printing "got ID" per message; <c>bus-hold DB QUEUE LOCK_SECONDS</c> receives one message, prints
/// "locked ID DELIVERY_COUNT LOCKED_UNTIL_UTC_TICKS" and waits to be killed; <c>bus-throughput DB COUNT [noflush]</c>
/// times COUNT sends and COUNT receive+complete pairs and prints messages/s.
/// </summary>
internal static class BusCommands
{
    public static async Task<int> RunAsync(string mode, string[] args)
    {
        var database = args[1];
        if (mode == "throughput")
        {
            return await ThroughputAsync(database, int.Parse(args[2], CultureInfo.InvariantCulture), flush: args.Length < 4 || args[3] != "noflush");
        }
        if (args.Length < 4)
        {
            return HostCommands.Usage();
        }
        var queue = args[2];
        var lockDuration = TimeSpan.FromSeconds(double.Parse(args[3], CultureInfo.InvariantCulture));
        var topology = new BusTopology([new QueueDefinition(queue) { LockDuration = lockDuration }]);
        await using var bus = new SqliteMessageBus(database, topology, TimeProvider.System);
        Console.WriteLine("ready");

        switch (mode)
        {
            case "compete":
                while (true)
                {
                    var message = await bus.ReceiveAsync(queue, TimeSpan.FromSeconds(30));
                    if (message is null)
                    {
                        Console.Error.WriteLine("no message for 30 s");
                        return 1;
                    }
                    if (message.BodyToString() == "stop")
                    {
                        await bus.CompleteAsync(message);
                        return 0;
                    }
                    // Real receivers work while they hold the lock; that is when the others get their turn.
                    await Task.Delay(int.Parse(args[4], CultureInfo.InvariantCulture));
                    await bus.CompleteAsync(message);
                    Console.WriteLine($"got {message.MessageId}");
                }
            case "hold":
                var held = await bus.ReceiveAsync(queue, TimeSpan.FromSeconds(30));
                if (held is null)
                {
                    Console.Error.WriteLine("no message for 30 s");
                    return 1;
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"locked {held.MessageId} {held.DeliveryCount} {held.LockedUntil.UtcTicks}"));
                await Task.Delay(Timeout.Infinite);
                return 0;
            default:
                Console.Error.WriteLine($"unknown mode '{mode}'");
                return 2;
        }
    }

    /// <summary>A quick measurement of the SQLite bus on this machine (not a test).</summary>
    private static async Task<int> ThroughputAsync(string database, int count, bool flush)
    {
        var topology = new BusTopology([new QueueDefinition("bench") { DuplicateDetectionWindow = TimeSpan.FromMinutes(10) }]);
        await using var bus = new SqliteMessageBus(database, topology, TimeProvider.System, new SqliteMessageBusOptions { FlushEveryCommit = flush });
        var body = new byte[512];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await bus.SendAsync("bench", new BusMessage(body) { MessageId = $"m{i}", Subject = "bench" });
        }
        var send = clock.Elapsed;
        clock.Restart();
        var received = 0;
        while (await bus.ReceiveAsync("bench", TimeSpan.Zero) is { } message)
        {
            await bus.CompleteAsync(message);
            received++;
        }
        var receive = clock.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} messages of 512 bytes, synchronous={(flush ? "FULL" : "NORMAL")}: send {count / send.TotalSeconds:F0}/s, receive+complete {received / receive.TotalSeconds:F0}/s, end to end {count / (send + receive).TotalSeconds:F0}/s"));
        return received == count ? 0 : 1;
    }
}
