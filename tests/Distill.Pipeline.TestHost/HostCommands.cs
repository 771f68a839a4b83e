using System.Diagnostics;
using System.Globalization;
using System.Text;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.TestHost;

/// <summary>
/// The races the tests run. Each prints "ready", waits until the go file exists (so that all processes start
/// together), then reports what it did on standard output, one line per event, for the test to check.
/// </summary>
internal static class HostCommands
{
    public static int Usage()
    {
        Console.Error.WriteLine("usage: create-race ROOT CONTAINER COUNT ID GO_FILE | lease-race ROOT CONTAINER BLOB ROUNDS COUNTER_FILE GO_FILE"
            + " | bus-compete DB QUEUE LOCK_SECONDS WORK_MS | bus-hold DB QUEUE LOCK_SECONDS | bus-throughput DB COUNT [noflush]");
        return 2;
    }

    /// <summary>Tries to create race/000 .. race/{count-1} with If-None-Match: *, writing its id; prints "won NAME" per success.</summary>
    public static async Task<int> CreateRaceAsync(string root, string container, int count, string id, string goFile)
    {
        using var store = new FolderBlobStore(root, TimeProvider.System);
        var options = new BlobPutOptions { Conditions = BlobConditions.IfNotExists };
        // Compiled and warm before the start, so that the processes race at the same pace.
        await store.PutAsync(new BlobAddress(container, $"warm-up/{id}"), new MemoryStream([1]), options, CancellationToken.None);
        WaitForGo(goFile);
        for (var i = 0; i < count; i++)
        {
            var name = $"race/{i:d3}";
            try
            {
                await store.PutAsync(new BlobAddress(container, name), new MemoryStream(Encoding.UTF8.GetBytes(id)), options, CancellationToken.None);
                Console.WriteLine($"won {name}");
            }
            catch (BlobStoreException ex) when (ex.Reason == BlobStoreErrorReason.ConditionNotMet)
            {
                // Another process created it first.
            }
        }
        return 0;
    }

    /// <summary>
    /// Acquires the blob's lease <paramref name="rounds"/> times. While holding it, increments the number in
    /// <paramref name="counterFile"/> by an unguarded read, pause and write (an overlap with another holder loses an
    /// increment), writes the blob with the lease, and prints "held START END" in Stopwatch ticks.
    /// </summary>
    public static async Task<int> LeaseRaceAsync(string root, string container, string blobName, int rounds, string counterFile, string goFile)
    {
        using var store = new FolderBlobStore(root, TimeProvider.System);
        var blob = new BlobAddress(container, blobName);
        await store.GetPropertiesAsync(blob, CancellationToken.None);
        WaitForGo(goFile);
        for (var round = 0; round < rounds; round++)
        {
            var leaseId = await AcquireAsync(store, blob);
            var start = Stopwatch.GetTimestamp();
            var counter = int.Parse(await File.ReadAllTextAsync(counterFile), CultureInfo.InvariantCulture);
            await Task.Delay(5);
            await File.WriteAllTextAsync(counterFile, (counter + 1).ToString(CultureInfo.InvariantCulture));
            var content = new MemoryStream(Encoding.UTF8.GetBytes($"{Environment.ProcessId}:{round}"));
            await store.PutAsync(blob, content, new BlobPutOptions { Conditions = new BlobConditions { LeaseId = leaseId } }, CancellationToken.None);
            var end = Stopwatch.GetTimestamp();
            await store.ReleaseLeaseAsync(blob, leaseId, CancellationToken.None);
            Console.WriteLine($"held {start} {end}");
        }
        return 0;
    }

    private static async Task<string> AcquireAsync(FolderBlobStore store, BlobAddress blob)
    {
        while (true)
        {
            try
            {
                return await store.AcquireLeaseAsync(blob, BlobLeases.MinDuration, null, CancellationToken.None);
            }
            catch (BlobStoreException ex) when (ex.Reason == BlobStoreErrorReason.LeaseConflict)
            {
                await Task.Delay(Random.Shared.Next(1, 3));
            }
        }
    }

    private static void WaitForGo(string goFile)
    {
        Console.WriteLine("ready");
        while (!File.Exists(goFile))
        {
            Thread.Sleep(1);
        }
    }
}
