using System.Diagnostics;
using System.Globalization;
using System.Text;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Tests.Storage;

/// <summary>Several real processes (Distill.Pipeline.TestHost) on one <see cref="FolderBlobStore"/> folder.</summary>
[Trait("Category", "Integration")]
public sealed class FolderBlobStoreProcessTests : IDisposable
{
    private const int ProcessCount = 4;

    private readonly string _folder = Directory.CreateTempSubdirectory("distill-blob-processes-").FullName;
    private readonly List<TestHostProcess> _hosts = [];

    private string Root => Path.Join(_folder, "store");

    private string GoFile => Path.Join(_folder, "go");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ConditionalCreate_ProcessesRacing_ExactlyOneWinsEachBlob()
    {
        const int BlobCount = 40;
        using var store = new FolderBlobStore(Root, TimeProvider.System);
        await store.CreateContainerIfNotExistsAsync("race", Ct);

        var outputs = await RunAllAsync(i => ["create-race", Root, "race", BlobCount.ToString(CultureInfo.InvariantCulture), $"p{i}", GoFile]);

        var winners = new Dictionary<string, string>();
        for (var i = 0; i < ProcessCount; i++)
        {
            foreach (var line in outputs[i])
            {
                Assert.StartsWith("won ", line, StringComparison.Ordinal);
                var name = line["won ".Length..];
                Assert.True(winners.TryAdd(name, $"p{i}"), $"{name} was created by p{i} and by {winners.GetValueOrDefault(name)}");
            }
        }
        Assert.Equal(BlobCount, winners.Count);
        foreach (var (name, winner) in winners)
        {
            using var download = await store.GetAsync(new BlobAddress("race", name), null, Ct);
            using var reader = new StreamReader(download.Content, Encoding.UTF8);
            Assert.Equal(winner, await reader.ReadToEndAsync(Ct));
        }
        var listed = await store.ListAsync("race", "race/", Ct).Select(item => item.Name).ToListAsync(Ct);
        Assert.Equal(winners.Keys.Order(StringComparer.Ordinal), listed);
        TestContext.Current.SendDiagnosticMessage("blobs won per process: {0}",
            string.Join(", ", Enumerable.Range(0, ProcessCount).Select(i => $"p{i}={outputs[i].Count}")));
    }

    [Fact]
    public async Task Lease_ProcessesCompeting_OneHolderAtATime()
    {
        const int Rounds = 8;
        using var store = new FolderBlobStore(Root, TimeProvider.System);
        await store.CreateContainerIfNotExistsAsync("leases", Ct);
        await store.PutAsync(new BlobAddress("leases", "runs/r/stages/distill/lease"), Stream.Null, null, Ct);
        var counterFile = Path.Join(_folder, "counter");
        await File.WriteAllTextAsync(counterFile, "0", Ct);

        var outputs = await RunAllAsync(_ => ["lease-race", Root, "leases", "runs/r/stages/distill/lease", Rounds.ToString(CultureInfo.InvariantCulture), counterFile, GoFile]);

        var holds = outputs.SelectMany(lines => lines).Select(ParseHold).OrderBy(hold => hold.Start).ToList();
        Assert.Equal(ProcessCount * Rounds, holds.Count);
        for (var i = 1; i < holds.Count; i++)
        {
            Assert.True(holds[i - 1].End <= holds[i].Start,
                $"two processes held the lease at once: [{holds[i - 1].Start}, {holds[i - 1].End}] and [{holds[i].Start}, {holds[i].End}] (Stopwatch ticks)");
        }
        // Every holder incremented the counter without a lock of its own: a lost increment means an overlap.
        Assert.Equal((ProcessCount * Rounds).ToString(CultureInfo.InvariantCulture), await File.ReadAllTextAsync(counterFile, Ct));
        var properties = await store.GetPropertiesAsync(new BlobAddress("leases", "runs/r/stages/distill/lease"), Ct);
        Assert.Equal(BlobLeaseState.Available, properties.LeaseState);
        TestContext.Current.SendDiagnosticMessage("lease handed over {0} times in {1:0} ms",
            holds.Count, Stopwatch.GetElapsedTime(holds[0].Start, holds[^1].End).TotalMilliseconds);
    }

    /// <summary>Starts the processes, lets them go together once all are ready, and returns what each printed.</summary>
    private async Task<List<string>[]> RunAllAsync(Func<int, string[]> arguments)
    {
        for (var i = 0; i < ProcessCount; i++)
        {
            _hosts.Add(TestHostProcess.Start(arguments(i)));
        }
        foreach (var host in _hosts)
        {
            await host.WaitUntilReadyAsync(Ct);
        }
        await File.WriteAllTextAsync(GoFile, "go", Ct);
        return await Task.WhenAll(_hosts.Select(host => host.CompleteAsync(Ct)));
    }

    private static (long Start, long End) ParseHold(string line)
    {
        var parts = line.Split(' ');
        Assert.True(parts is ["held", _, _], $"unexpected line from the test host: '{line}'");
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }
}
