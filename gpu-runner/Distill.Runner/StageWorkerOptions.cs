namespace Distill.Runner;

/// <summary>How a <see cref="StageWorker"/> identifies itself, where it keeps files, and its timings.</summary>
public sealed record StageWorkerOptions
{
    /// <summary>The runner's name in the run state and events; <see cref="DefaultRunnerId"/> is host and process id.</summary>
    public required string RunnerId { get; init; }

    /// <summary>This runner's folder: <c>cache/</c> (downloads, kept between stages) and <c>work/</c> (per stage, deleted after).</summary>
    public required string Folder { get; init; }

    /// <summary>The stage lease (15 to 60 whole seconds). A runner that dies frees its stage after this.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the lease is renewed; well under <see cref="LeaseDuration"/>.</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the message lock is renewed; null: a third of the lock's duration at receipt.</summary>
    public TimeSpan? LockRenewInterval { get; init; }

    /// <summary>The least time between two stage.progress events (checkpoints are always reported).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one receive waits for a message.</summary>
    public TimeSpan ReceiveWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The redelivery delay of a message whose stage another runner holds (about the lease's duration).</summary>
    public TimeSpan BusyRedeliveryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The redelivery delay after an unexpected (transient) error.</summary>
    public TimeSpan TransientRedeliveryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The host name and process id, which tell the runners of a machine apart: <c>{host}-{pid}</c> in lowercase.</summary>
    public static string DefaultRunnerId() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(RunnerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(Folder);
        if (LeaseDuration < TimeSpan.FromSeconds(15) || LeaseDuration > TimeSpan.FromSeconds(60) || LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration, "a stage lease lasts 15 to 60 whole seconds");
        }
        if (LeaseRenewInterval <= TimeSpan.Zero || LeaseRenewInterval >= LeaseDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseRenewInterval), LeaseRenewInterval, "the lease must be renewed within its duration");
        }
        if (LockRenewInterval is { } lockRenew && lockRenew <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(LockRenewInterval), lockRenew, "must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(ProgressInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveWait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(BusyRedeliveryDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(TransientRedeliveryDelay, TimeSpan.Zero);
    }
}
