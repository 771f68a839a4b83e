namespace Distill.Pipeline.Handlers;

/// <summary>What becomes of a message once its handler ran.</summary>
public enum MessageDisposition
{
    /// <summary>Done with: handled, dropped on purpose (stale, not ours), or unreadable (logged as an error).</summary>
    Complete,

    /// <summary>A transient or unexpected fault: deliver it again after a delay (dead-lettered after the maximum delivery count).</summary>
    Abandon,

    /// <summary>The lock was lost while the handler ran: another receiver has the message, so it is neither completed nor abandoned.</summary>
    LockLost,
}
