using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Runner.Tests.Worker;

/// <summary>The background renewals: a lost message lock or stage lease trips the fence at once.</summary>
public sealed class StageGuardTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-guard-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FolderBlobStore _blobs;
    private readonly SqliteMessageBus _bus;
    private readonly StageWorkerOptions _options;

    public StageGuardTests()
    {
        _blobs = new FolderBlobStore(Path.Join(_root, "blobs"), _time);
        _blobs.CreateContainerIfNotExistsAsync(BlobPaths.RunsContainer, CancellationToken.None).GetAwaiter().GetResult();
        _bus = new SqliteMessageBus(Path.Join(_root, "bus.db"), PipelineTopology.Create(), _time);
        _options = new StageWorkerOptions { RunnerId = "runner-a", Folder = Path.Join(_root, "runner") };
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.DisposeAsync();
        _blobs.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Renewal_LockExpiredMeanwhile_TripsTheFenceNamingTheLock()
    {
        await using var guard = await AcquireAsync();
        Assert.NotNull(guard);

        // The process stalled past the lock's five minutes: the next renewal finds the lock gone.
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.True(await TrippedAsync(guard.Fence));
        Assert.Contains("the lock on message 'run1:distill:1:", guard.Fence.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renewal_LeaseTakenByAnother_TripsTheFenceAndIsNotReleased()
    {
        await using var guard = await AcquireAsync();
        Assert.NotNull(guard);
        var lease = Lease();
        await _blobs.BreakLeaseAsync(lease, TimeSpan.Zero, CancellationToken.None);
        var theirs = await _blobs.AcquireLeaseAsync(lease, TimeSpan.FromSeconds(60), null, CancellationToken.None);

        _time.Advance(_options.LeaseRenewInterval);

        Assert.True(await TrippedAsync(guard.Fence));
        Assert.Contains("the lease on runs/run1/stages/distill/lease was lost", guard.Fence.Reason, StringComparison.Ordinal);
        await guard.ReleaseAsync();
        await _blobs.RenewLeaseAsync(lease, theirs, CancellationToken.None);
    }

    [Fact]
    public async Task Renewal_WhileHeld_KeepsTheLeaseBeyondItsDuration()
    {
        await using var guard = await AcquireAsync();
        Assert.NotNull(guard);

        for (var i = 0; i < 6; i++)
        {
            _time.Advance(_options.LeaseRenewInterval);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.False(guard.Fence.IsTripped);
        await Assert.ThrowsAsync<BlobStoreException>(() => _blobs.AcquireLeaseAsync(Lease(), TimeSpan.FromSeconds(60), null, CancellationToken.None));
        Assert.Null(await AcquireAsync());
        await guard.ReleaseAsync();
        Assert.NotNull(await _blobs.AcquireLeaseAsync(Lease(), TimeSpan.FromSeconds(60), null, CancellationToken.None));
    }

    private async Task<StageGuard?> AcquireAsync()
    {
        var message = new BusMessage { MessageId = "run1:distill:1:" + Guid.NewGuid().ToString("N") };
        await _bus.SendAsync(PipelineTopology.StagesQueue, message, CancellationToken.None);
        var received = await _bus.ReceiveAsync(PipelineTopology.StagesQueue, TimeSpan.Zero, CancellationToken.None);
        Assert.NotNull(received);
        return await StageGuard.AcquireAsync(_bus, received, _blobs, "run1", "distill", _options, _time, NullLogger.Instance, CancellationToken.None);
    }

    private static BlobAddress Lease()
    {
        var location = BlobPaths.StageLease("run1", "distill");
        return new BlobAddress(location.Container, location.Name);
    }

    private static async Task<bool> TrippedAsync(StageFence fence)
    {
        for (var i = 0; i < 100 && !fence.IsTripped; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        return fence.IsTripped;
    }
}
