namespace Distill.Pipeline.Storage;

/// <summary>The lease state of a blob, as Azure reports it (x-ms-lease-state).</summary>
public enum BlobLeaseState
{
    /// <summary>No lease: anyone may write, and a lease can be acquired.</summary>
    Available,

    /// <summary>Leased: writes and deletes need the lease id.</summary>
    Leased,

    /// <summary>The lease ran out; anyone may write or acquire, and its holder may still renew it until then.</summary>
    Expired,

    /// <summary>The lease was broken and its break period is running: still locked, but it cannot be renewed or taken.</summary>
    Breaking,

    /// <summary>The lease was broken: anyone may write or acquire.</summary>
    Broken,
}
