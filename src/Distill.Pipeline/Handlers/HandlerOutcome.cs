namespace Distill.Pipeline.Handlers;

/// <summary>How a message's handling ended: what to do with the message and, when it failed, the fault.</summary>
/// <param name="Disposition">Complete or abandon (or nothing, when the lock was lost).</param>
/// <param name="Fault">The exception the handler ended with: an unreadable message (completed) or a fault (abandoned).</param>
/// <param name="IsTransient">True when <paramref name="Fault"/> is transient (<see cref="TransientFaults"/>).</param>
public sealed record HandlerOutcome(MessageDisposition Disposition, Exception? Fault = null, bool IsTransient = false)
{
    /// <summary>Handled (or dropped on purpose).</summary>
    public static HandlerOutcome Handled { get; } = new(MessageDisposition.Complete);
}
