using System.Globalization;
using Distill.Bench.Measurement;
using Distill.Pipeline;
using Distill.Pipeline.Messaging;

namespace Distill.Bench.Pipeline;

/// <summary>
/// The bus cases, each a pair of sides over <c>n</c> messages per run: the <see cref="SqliteMessageBus"/> (the pipeline's
/// topology, the stages queue with its duplicate detection, a stage-command-sized body) and the same number of
/// operations on a <see cref="RawSqliteTable"/>, each in its own database file in <paramref name="folder"/>.
/// </summary>
public static class BusCases
{
    private static readonly IReadOnlyDictionary<string, double> s_noResults = new Dictionary<string, double>();
    private static readonly TimeSpan s_consumerWait = TimeSpan.FromSeconds(5);

    /// <summary>One message at a time: send, receive, complete.</summary>
    public static (LocalSide Bus, LocalSide Raw) Sequential(string folder, int messages, int bodyBytes)
    {
        var body = Body(bodyBytes);
        var bus = OpenBus(folder, "sequential");
        var ids = new MessageIds("sequential");
        var busSide = new LocalSide(() =>
        {
            for (var i = 0; i < messages; i++)
            {
                bus.SendAsync(PipelineTopology.StagesQueue, new BusMessage(body) { MessageId = ids.Next() }).GetAwaiter().GetResult();
                var received = bus.ReceiveAsync(PipelineTopology.StagesQueue, TimeSpan.Zero).GetAwaiter().GetResult()
                    ?? throw new PipelineBenchException("the bus returned no message right after one was sent");
                bus.CompleteAsync(received).GetAwaiter().GetResult();
            }
        }, () => s_noResults, new AsyncDisposer(bus));
        var raw = new RawSqliteTable(Path.Join(folder, "raw-sequential.db"));
        var rawSide = new LocalSide(() =>
        {
            for (var i = 0; i < messages; i++)
            {
                raw.Insert([body]);
                var (id, _) = raw.Claim() ?? throw new PipelineBenchException("the raw queue returned no row right after one was inserted");
                raw.Delete(id);
            }
        }, () => s_noResults, raw);
        return (busSide, rawSide);
    }

    /// <summary>Sends in batches of <paramref name="batch"/> (one transaction each), then receives and completes them one by one.</summary>
    public static (LocalSide Bus, LocalSide Raw) Batched(string folder, int messages, int batch, int bodyBytes)
    {
        var body = Body(bodyBytes);
        var bus = OpenBus(folder, "batched");
        var ids = new MessageIds("batched");
        var busSide = new LocalSide(() =>
        {
            for (var sent = 0; sent < messages; sent += batch)
            {
                var count = Math.Min(batch, messages - sent);
                bus.SendBatchAsync(PipelineTopology.StagesQueue, [.. Enumerable.Range(0, count).Select(_ => new BusMessage(body) { MessageId = ids.Next() })]).GetAwaiter().GetResult();
                for (var i = 0; i < count; i++)
                {
                    var received = bus.ReceiveAsync(PipelineTopology.StagesQueue, TimeSpan.Zero).GetAwaiter().GetResult()
                        ?? throw new PipelineBenchException("the bus returned no message while a sent batch waited");
                    bus.CompleteAsync(received).GetAwaiter().GetResult();
                }
            }
        }, () => s_noResults, new AsyncDisposer(bus));
        var raw = new RawSqliteTable(Path.Join(folder, "raw-batched.db"));
        var rawSide = new LocalSide(() =>
        {
            for (var sent = 0; sent < messages; sent += batch)
            {
                var count = Math.Min(batch, messages - sent);
                raw.Insert([.. Enumerable.Repeat(body, count)]);
                for (var i = 0; i < count; i++)
                {
                    var (id, _) = raw.Claim() ?? throw new PipelineBenchException("the raw queue returned no row while an inserted batch waited");
                    raw.Delete(id);
                }
            }
        }, () => s_noResults, raw);
        return (busSide, rawSide);
    }

    /// <summary>
    /// One producer sending one message at a time and two consumers receiving and completing, each on its own
    /// connection (as three processes on one database would be), all at once.
    /// </summary>
    public static (LocalSide Bus, LocalSide Raw) TwoConsumers(string folder, int messages, int bodyBytes)
    {
        var body = Body(bodyBytes);
        var producer = OpenBus(folder, "two-consumers");
        var consumers = new[] { OpenBus(folder, "two-consumers"), OpenBus(folder, "two-consumers") };
        var ids = new MessageIds("two-consumers");
        var busSide = new LocalSide(() =>
        {
            var consumed = 0;
            using var done = new CancellationTokenSource();
            var consuming = consumers.Select(bus => Task.Run(async () =>
            {
                try
                {
                    while (Volatile.Read(ref consumed) < messages)
                    {
                        if (await bus.ReceiveAsync(PipelineTopology.StagesQueue, s_consumerWait, done.Token).ConfigureAwait(false) is not { } received)
                        {
                            throw new PipelineBenchException($"a consumer waited {s_consumerWait.TotalSeconds:F0} s for a message with {consumed} of {messages} consumed");
                        }
                        await bus.CompleteAsync(received, CancellationToken.None).ConfigureAwait(false);
                        if (Interlocked.Increment(ref consumed) == messages)
                        {
                            await done.CancelAsync().ConfigureAwait(false);
                        }
                    }
                }
                catch (OperationCanceledException) when (done.IsCancellationRequested)
                {
                    // The other consumer took the last message.
                }
            })).ToArray();
            for (var i = 0; i < messages; i++)
            {
                producer.SendAsync(PipelineTopology.StagesQueue, new BusMessage(body) { MessageId = ids.Next() }).GetAwaiter().GetResult();
            }
            Task.WaitAll(consuming);
        }, () => s_noResults, new AsyncDisposer(producer), new AsyncDisposer(consumers[0]), new AsyncDisposer(consumers[1]));

        var rawPath = Path.Join(folder, "raw-two-consumers.db");
        var rawProducer = new RawSqliteTable(rawPath);
        var rawConsumers = new[] { new RawSqliteTable(rawPath), new RawSqliteTable(rawPath) };
        var rawSide = new LocalSide(() =>
        {
            // The bus wakes receivers in its process when a send commits; the raw consumers get the same from a semaphore.
            using var available = new SemaphoreSlim(0);
            var consumed = 0;
            var consuming = rawConsumers.Select(queue => Task.Run(() =>
            {
                while (Interlocked.Increment(ref consumed) <= messages)
                {
                    if (!available.Wait(s_consumerWait))
                    {
                        throw new PipelineBenchException($"a raw consumer waited {s_consumerWait.TotalSeconds:F0} s for a row");
                    }
                    var (id, _) = queue.Claim() ?? throw new PipelineBenchException("the raw queue had no row although one was signalled");
                    queue.Delete(id);
                }
            })).ToArray();
            for (var i = 0; i < messages; i++)
            {
                rawProducer.Insert([body]);
                available.Release();
            }
            Task.WaitAll(consuming);
        }, () => s_noResults, rawProducer, rawConsumers[0], rawConsumers[1]);
        return (busSide, rawSide);
    }

    private static SqliteMessageBus OpenBus(string folder, string name) =>
        new(Path.Join(folder, $"bus-{name}.db"), PipelineTopology.Create(), TimeProvider.System);

    private static byte[] Body(int bytes) => [.. Enumerable.Range(0, bytes).Select(i => (byte)('a' + i % 26))];

    /// <summary>Fresh message ids (the stages queue drops a repeated id within its window).</summary>
    private sealed class MessageIds(string prefix)
    {
        private long _next;

        public string Next() => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{Interlocked.Increment(ref _next)}");
    }

    /// <summary>Disposes an asynchronously disposable bus where a side owns <see cref="IDisposable"/>s.</summary>
    private sealed class AsyncDisposer(IAsyncDisposable owned) : IDisposable
    {
        public void Dispose() => owned.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
