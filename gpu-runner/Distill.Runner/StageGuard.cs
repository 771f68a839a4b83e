using System.Globalization;
using Distill.Contracts.Storage;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace Distill.Runner;

/// <summary>
/// Holds a stage for one runner while it works: the stage's blob lease and the command's message lock, each renewed in
/// the background (the lock every <see cref="StageWorkerOptions.LockRenewInterval"/>, by default a third of its
/// duration; the lease every <see cref="StageWorkerOptions.LeaseRenewInterval"/>). When either is lost, <see cref="Fence"/>
/// trips at once: another runner may own the stage now.
/// </summary>
internal sealed partial class StageGuard : IAsyncDisposable
{
    private readonly IMessageBus _bus;
    private readonly ReceivedBusMessage _message;
    private readonly IBlobStore _blobs;
    private readonly BlobAddress _lease;
    private readonly string _leaseId;
    private readonly TimeSpan _lockInterval;
    private readonly TimeSpan _leaseInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _lockLoop;
    private Task? _leaseLoop;

    private StageGuard(IMessageBus bus, ReceivedBusMessage message, IBlobStore blobs, BlobAddress lease, string leaseId, StageWorkerOptions options,
        TimeProvider time, ILogger logger)
    {
        _bus = bus;
        _message = message;
        _blobs = blobs;
        _lease = lease;
        _leaseId = leaseId;
        _time = time;
        _logger = logger;
        _leaseInterval = options.LeaseRenewInterval;
        var lockLeft = message.LockedUntil - time.GetUtcNow();
        _lockInterval = options.LockRenewInterval ?? (lockLeft > TimeSpan.FromSeconds(3) ? lockLeft / 3 : TimeSpan.FromSeconds(1));
        Fence = new StageFence(ConfirmLeaseAsync);
    }

    /// <summary>Trips when the lock or the lease is lost.</summary>
    public StageFence Fence { get; }

    /// <summary>
    /// Takes the stage's lease (creating the lease blob, <c>runs/{runId}/stages/{stage}/lease</c>, if it is absent) and starts
    /// renewing it and the message lock. Null when another runner holds the lease.
    /// </summary>
    public static async Task<StageGuard?> AcquireAsync(IMessageBus bus, ReceivedBusMessage message, IBlobStore blobs, string runId, string stage,
        StageWorkerOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var location = BlobPaths.StageLease(runId, stage);
        var lease = new BlobAddress(location.Container, location.Name);
        try
        {
            await blobs.PutAsync(lease, new MemoryStream([]), new BlobPutOptions { Conditions = BlobConditions.IfNotExists }, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason is BlobStoreErrorReason.ConditionNotMet or BlobStoreErrorReason.LeaseConflict)
        {
            // It exists (perhaps leased): the acquire below decides.
        }
        string leaseId;
        try
        {
            leaseId = await blobs.AcquireLeaseAsync(lease, options.LeaseDuration, null, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.LeaseConflict)
        {
            return null;
        }
        var guard = new StageGuard(bus, message, blobs, lease, leaseId, options, time, logger);
        guard._lockLoop = guard.RenewLockLoopAsync();
        guard._leaseLoop = guard.RenewLeaseLoopAsync();
        return guard;
    }

    /// <summary>Releases the lease, unless it was lost; a failure is logged (the lease then expires by itself).</summary>
    public async Task ReleaseAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Fence.IsTripped)
        {
            return;
        }
        try
        {
            await _blobs.ReleaseLeaseAsync(_lease, _leaseId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BlobStoreException or IOException)
        {
            LogReleaseFailed(_logger, _lease.ToString(), e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        Fence.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        foreach (var loop in new[] { _lockLoop, _leaseLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }
    }

    /// <summary>Renews the lease now; trips the fence when it is gone. Other errors propagate (a transient store fault).</summary>
    private async Task ConfirmLeaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _blobs.RenewLeaseAsync(_lease, _leaseId, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason is BlobStoreErrorReason.LeaseLost or BlobStoreErrorReason.LeaseConflict or BlobStoreErrorReason.NotFound)
        {
            Fence.Trip($"the lease on {_lease} was lost ({e.ErrorCode}): another runner may hold the stage");
        }
    }

    private async Task RenewLeaseLoopAsync()
    {
        while (await WaitAsync(_leaseInterval).ConfigureAwait(false) && !Fence.IsTripped)
        {
            try
            {
                await ConfirmLeaseAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is BlobStoreException or IOException)
            {
                // A transient fault: the lease outlives a few missed renewals, and an expired one renews while nobody took it.
                LogRenewFailed(_logger, _lease.ToString(), e);
            }
        }
    }

    private async Task RenewLockLoopAsync()
    {
        while (await WaitAsync(_lockInterval).ConfigureAwait(false) && !Fence.IsTripped)
        {
            try
            {
                await _bus.RenewLockAsync(_message, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (MessagingException e) when (e.Reason == MessagingErrorReason.MessageLockLost)
            {
                Fence.Trip(string.Create(CultureInfo.InvariantCulture,
                    $"the lock on message '{_message.MessageId}' was lost (delivery {_message.DeliveryCount}): another runner may have it"));
            }
            catch (MessagingException e)
            {
                LogRenewFailed(_logger, _message.MessageId, e);
            }
        }
    }

    /// <summary>Waits one interval on the worker's clock; false once the guard stops.</summary>
    private async Task<bool> WaitAsync(TimeSpan interval)
    {
        try
        {
            await Task.Delay(interval, _time, _stop.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing {Holding} failed; retrying at the next interval")]
    private static partial void LogRenewFailed(ILogger logger, string holding, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing the lease on {Lease} failed; it expires by itself")]
    private static partial void LogReleaseFailed(ILogger logger, string lease, Exception exception);
}
