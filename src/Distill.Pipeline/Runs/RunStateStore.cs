using System.Text;
using Distill.Contracts.Runs;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Runs;

/// <summary>
/// Reads and writes <c>runs/{runId}/state.json</c>, the one source of truth of a run. Every write is conditional on
/// the ETag that was read (or on the blob not existing, for a new run), so concurrent or repeated deliveries never fork
/// a run: a writer that lost the race reads again and re-applies its transition, which the
/// <see cref="RunState"/> transitions make idempotent.
/// </summary>
public sealed class RunStateStore(IBlobStore blobs)
{
    /// <summary>How many times an update is retried when another writer got in between; far above what races need.</summary>
    public const int MaxAttempts = 20;

    /// <summary>A state with the ETag it was read with.</summary>
    public sealed record Versioned(RunState State, string ETag);

    /// <summary>The run's state, or null when the run does not exist.</summary>
    public async Task<Versioned?> ReadAsync(string runId, CancellationToken cancellationToken)
    {
        var address = Address(runId);
        try
        {
            await using var download = await blobs.GetAsync(address, null, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(download.Content, Encoding.UTF8);
            var json = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            return new Versioned(RunState.FromJson(json), download.Properties.ETag);
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
        {
            return null;
        }
    }

    /// <summary>Every run's state, in ordinal order of the run ids (a listing of the runs container; fine for a local store).</summary>
    public async IAsyncEnumerable<RunState> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in blobs.ListAsync(BlobPaths.RunsContainer, null, cancellationToken).ConfigureAwait(false))
        {
            var slash = item.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && item.Name.AsSpan(slash + 1).SequenceEqual(BlobPaths.StateFileName)
                && await ReadAsync(item.Name[..slash], cancellationToken).ConfigureAwait(false) is { } run)
            {
                yield return run.State;
            }
        }
    }

    /// <summary>
    /// Creates the run's state if the run does not exist yet. Returns true when this call created it, false when it
    /// existed already (a repeated upload event): the caller then does nothing more.
    /// </summary>
    public async Task<bool> TryCreateAsync(RunState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            await PutAsync(state, BlobConditions.IfNotExists, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.ConditionNotMet)
        {
            return false;
        }
    }

    /// <summary>
    /// Applies <paramref name="transition"/> to the current state and writes the result if it differs (a transition
    /// that returns the same instance changed nothing, and nothing is written). Retries from a fresh read when another
    /// writer changed the state in between. Returns the state before and after; a transition that refuses
    /// (<see cref="RunTransitionException"/>) propagates. Throws <see cref="InvalidOperationException"/> when the run
    /// does not exist.
    /// </summary>
    public async Task<(RunState Before, RunState After)> UpdateAsync(string runId, Func<RunState, RunState> transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        for (var attempt = 1; ; attempt++)
        {
            var current = await ReadAsync(runId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"run '{runId}' has no {BlobPaths.StateFileName}");
            var next = transition(current.State);
            if (ReferenceEquals(next, current.State))
            {
                return (current.State, next);
            }
            try
            {
                await PutAsync(next, BlobConditions.IfMatchETag(current.ETag), cancellationToken).ConfigureAwait(false);
                return (current.State, next);
            }
            catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.ConditionNotMet && attempt < MaxAttempts)
            {
                // Another writer moved the run on; read it again and re-apply.
            }
        }
    }

    private async Task PutAsync(RunState state, BlobConditions conditions, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(state.ToJson());
        await blobs.PutAsync(Address(state.RunId), new MemoryStream(bytes),
            new BlobPutOptions { ContentType = "application/json", Conditions = conditions }, cancellationToken).ConfigureAwait(false);
    }

    private static BlobAddress Address(string runId)
    {
        var location = BlobPaths.RunState(runId);
        return new BlobAddress(location.Container, location.Name);
    }
}
