namespace Distill.Pipeline.Storage;

/// <summary>
/// The lease recorded in a folder blob's sidecar, and Azure's lease state machine over it (the transitions of the
/// Lease Blob operation and of writes to a leased blob). <see cref="State"/> is the stored state (Leased, Breaking or
/// Broken; no lease at all is Available); Expired and the end of a break follow from the clock.
/// </summary>
/// <param name="DurationSeconds">The lease's duration, -1 for an infinite lease.</param>
internal sealed record FolderBlobLease(Guid Id, BlobLeaseState State, int DurationSeconds, DateTimeOffset? ExpiresOn, DateTimeOffset? BreaksOn)
{
    public BlobLeaseState EffectiveState(DateTimeOffset now) => State switch
    {
        BlobLeaseState.Leased when ExpiresOn is { } expires && now >= expires => BlobLeaseState.Expired,
        BlobLeaseState.Breaking when BreaksOn is { } breaks && now >= breaks => BlobLeaseState.Broken,
        _ => State,
    };

    public static BlobLeaseState EffectiveState(FolderBlobLease? lease, DateTimeOffset now) =>
        lease?.EffectiveState(now) ?? BlobLeaseState.Available;

    /// <summary>The lease after a write or delete that gives <paramref name="leaseId"/>; throws when the lease forbids it.</summary>
    public static FolderBlobLease? ForWrite(FolderBlobLease? lease, BlobAddress blob, Guid? leaseId, DateTimeOffset now)
    {
        var state = EffectiveState(lease, now);
        if (lease is not null && state is BlobLeaseState.Leased or BlobLeaseState.Breaking)
        {
            if (leaseId is not { } id)
            {
                throw BlobStoreErrors.LeaseIdMissing(blob);
            }
            if (id != lease.Id)
            {
                throw BlobStoreErrors.LeaseIdMismatchWithBlobOperation(blob);
            }
            return lease;
        }
        if (leaseId is not null)
        {
            throw BlobStoreErrors.LeaseLost(blob);
        }
        // A write ends an expired or broken lease: its holder can no longer renew it.
        return null;
    }

    public static FolderBlobLease Acquire(FolderBlobLease? lease, BlobAddress blob, TimeSpan duration, Guid? proposedId, DateTimeOffset now)
    {
        if (lease is not null)
        {
            switch (lease.EffectiveState(now))
            {
                case BlobLeaseState.Leased when lease.Id != proposedId:
                    throw BlobStoreErrors.LeaseAlreadyPresent(blob);
                case BlobLeaseState.Breaking:
                    throw lease.Id == proposedId ? BlobStoreErrors.LeaseIsBreaking(blob) : BlobStoreErrors.LeaseAlreadyPresent(blob);
            }
        }
        var id = proposedId ?? Guid.NewGuid();
        return duration == BlobLeases.InfiniteDuration
            ? new FolderBlobLease(id, BlobLeaseState.Leased, -1, null, null)
            : new FolderBlobLease(id, BlobLeaseState.Leased, (int)duration.TotalSeconds, now + duration, null);
    }

    public static FolderBlobLease Renew(FolderBlobLease? lease, BlobAddress blob, Guid leaseId, DateTimeOffset now)
    {
        if (lease is null || lease.Id != leaseId)
        {
            throw BlobStoreErrors.LeaseIdMismatchWithLeaseOperation(blob, BlobLeases.Format(leaseId));
        }
        return lease.EffectiveState(now) switch
        {
            BlobLeaseState.Breaking or BlobLeaseState.Broken => throw BlobStoreErrors.LeaseBroken(blob, BlobLeases.Format(leaseId)),
            _ when lease.DurationSeconds < 0 => lease,
            _ => lease with { State = BlobLeaseState.Leased, ExpiresOn = now + TimeSpan.FromSeconds(lease.DurationSeconds) },
        };
    }

    /// <summary>Checks that <paramref name="leaseId"/> is the blob's lease, which release then removes.</summary>
    public static void Release(FolderBlobLease? lease, BlobAddress blob, Guid leaseId)
    {
        if (lease is null || lease.Id != leaseId)
        {
            throw BlobStoreErrors.LeaseIdMismatchWithLeaseOperation(blob, BlobLeases.Format(leaseId));
        }
    }

    public static (FolderBlobLease Lease, TimeSpan Remaining) Break(FolderBlobLease? lease, BlobAddress blob, TimeSpan? breakPeriod, DateTimeOffset now)
    {
        var state = EffectiveState(lease, now);
        if (lease is null || state == BlobLeaseState.Available)
        {
            throw BlobStoreErrors.LeaseNotPresent(blob);
        }
        var broken = lease with { State = BlobLeaseState.Broken, ExpiresOn = null, BreaksOn = null };
        var breaksOn = state switch
        {
            BlobLeaseState.Expired or BlobLeaseState.Broken => (DateTimeOffset?)null,
            _ when breakPeriod == TimeSpan.Zero => null,
            // Breaking already: a new period can only bring the end closer.
            BlobLeaseState.Breaking => breakPeriod is { } period && lease.BreaksOn is { } current ? Earliest(current, now + period) : lease.BreaksOn,
            // Leased: an infinite lease breaks at once by default, a finite one when it would have expired.
            _ => (lease.ExpiresOn, breakPeriod) switch
            {
                ({ } expires, { } period) => Earliest(expires, now + period),
                ({ } expires, null) => expires,
                (null, { } period) => now + period,
                (null, null) => null,
            },
        };
        if (breaksOn is not { } end || end <= now)
        {
            return (broken, TimeSpan.Zero);
        }
        var breaking = lease with { State = BlobLeaseState.Breaking, ExpiresOn = null, BreaksOn = end };
        return (breaking, TimeSpan.FromSeconds(Math.Ceiling((end - now).TotalSeconds)));
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
