namespace Distill.Pipeline.Storage;

/// <summary>Azure's lease limits, which every store enforces the same way.</summary>
public static class BlobLeases
{
    /// <summary>A lease that lasts until it is released or broken.</summary>
    public static readonly TimeSpan InfiniteDuration = Timeout.InfiniteTimeSpan;

    /// <summary>The shortest finite lease.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(15);

    /// <summary>The longest finite lease.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(60);

    /// <summary>The longest break period.</summary>
    public static readonly TimeSpan MaxBreakPeriod = TimeSpan.FromSeconds(60);

    /// <summary>Whole seconds between 15 and 60, or <see cref="InfiniteDuration"/>.</summary>
    internal static void ValidateDuration(TimeSpan duration)
    {
        if (duration == InfiniteDuration)
        {
            return;
        }
        if (duration < MinDuration || duration > MaxDuration || duration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "a lease lasts whole seconds from 15 to 60, or is infinite (BlobLeases.InfiniteDuration)");
        }
    }

    /// <summary>Whole seconds between 0 and 60, or null (the rest of the lease period; at once for an infinite lease).</summary>
    internal static void ValidateBreakPeriod(TimeSpan? breakPeriod)
    {
        if (breakPeriod is { } period && (period < TimeSpan.Zero || period > MaxBreakPeriod || period.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(breakPeriod), period, "a break period is whole seconds from 0 to 60");
        }
    }

    /// <summary>Lease ids are GUIDs (Azure rejects anything else); they compare as GUIDs, so case and braces do not matter.</summary>
    internal static Guid ParseLeaseId(string leaseId, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(leaseId, parameterName);
        if (!Guid.TryParse(leaseId, out var id))
        {
            throw new ArgumentException($"lease id '{leaseId}' is not a GUID", parameterName);
        }
        return id;
    }

    /// <summary>The form stores hand out and send: lowercase, hyphenated.</summary>
    internal static string Format(Guid leaseId) => leaseId.ToString("D");
}
