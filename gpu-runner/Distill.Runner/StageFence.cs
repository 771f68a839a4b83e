namespace Distill.Runner;

/// <summary>
/// Trips once the runner may no longer act for a stage: its message lock or its lease was lost, so another runner may
/// own the stage now. Everything that writes on the stage's behalf (checkpoints, the checkpoint pointer, artifacts,
/// the run state, events) checks it first; <see cref="Token"/> cancels the stage's work at once.
/// </summary>
public sealed class StageFence : IDisposable
{
    private readonly CancellationTokenSource _tripped = new();
    private readonly Func<CancellationToken, Task>? _confirm;
    private string? _reason;

    /// <param name="confirm">
    /// Checks with the store that the stage is still held (renews the lease), tripping the fence when it is not; called
    /// by <see cref="ConfirmAsync"/> before the writes that must never come from a stale holder.
    /// </param>
    public StageFence(Func<CancellationToken, Task>? confirm = null)
    {
        _confirm = confirm;
    }

    /// <summary>True once tripped; it never resets.</summary>
    public bool IsTripped => Volatile.Read(ref _reason) is not null;

    /// <summary>Why it tripped; null while it holds.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Cancelled when the fence trips.</summary>
    public CancellationToken Token => _tripped.Token;

    /// <summary>Trips the fence with <paramref name="reason"/> (the first reason stands) and cancels <see cref="Token"/>.</summary>
    public void Trip(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
        {
            _tripped.Cancel();
        }
    }

    /// <summary>Throws <see cref="StageFencedException"/> when tripped, saying that <paramref name="what"/> was refused.</summary>
    public void ThrowIfTripped(string what)
    {
        if (Reason is { } reason)
        {
            throw new StageFencedException($"{what} refused: {reason}");
        }
    }

    /// <summary>
    /// <see cref="ThrowIfTripped"/>, after asking the store whether the stage is still held: use it right before a write
    /// that makes something current (the checkpoint pointer, the run state).
    /// </summary>
    public async Task ConfirmAsync(string what, CancellationToken cancellationToken)
    {
        ThrowIfTripped(what);
        if (_confirm is not null)
        {
            await _confirm(cancellationToken).ConfigureAwait(false);
        }
        ThrowIfTripped(what);
    }

    public void Dispose() => _tripped.Dispose();
}
