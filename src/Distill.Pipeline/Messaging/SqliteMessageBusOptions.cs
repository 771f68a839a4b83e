namespace Distill.Pipeline.Messaging;

/// <summary>Tuning for <see cref="SqliteMessageBus"/>; the defaults suit a pipeline on one machine.</summary>
public sealed class SqliteMessageBusOptions
{
    /// <summary>
    /// How often a waiting receive looks for messages sent by other processes (sends in this process wake it
    /// at once). Measured on the bus's clock.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long an operation waits for another process's write transaction before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest message (body, broker and application properties, in bytes); Service Bus Standard's 256 KiB by default.</summary>
    public int MaxMessageSizeBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// True (the default): every commit is flushed to disk (SQLite <c>synchronous=FULL</c>), so sent and settled
    /// messages survive a power loss. False (<c>synchronous=NORMAL</c>): faster, still safe when a process
    /// crashes, but an operating-system crash may lose the last commits.
    /// </summary>
    public bool FlushEveryCommit { get; init; } = true;
}
