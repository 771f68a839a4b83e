using System.Text;
using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Events;

/// <summary>
/// Reads a run's events back from its event folder (<c>runs/{runId}/events/</c>, where
/// <see cref="PipelineEventPublisher"/> stores each once), for <c>distill watch</c> and reports. Each call returns
/// only the events not read before by this instance, ordered by event time.
/// </summary>
public sealed class RunEventLog(IBlobStore blobs, string runId)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public string RunId { get; } = runId;

    /// <summary>The events stored since the last call, ordered by time (then id); an unreadable blob is skipped once and reported in <paramref name="unreadable"/>.</summary>
    public async Task<IReadOnlyList<CloudEventEnvelope>> ReadNewAsync(List<string>? unreadable, CancellationToken cancellationToken)
    {
        var events = new List<CloudEventEnvelope>();
        await foreach (var item in blobs.ListFolderAsync(BlobPaths.RunEvents(RunId), cancellationToken).ConfigureAwait(false))
        {
            if (!_read.Add(item.Name))
            {
                continue;
            }
            var read = await blobs.TryReadAllBytesAsync(new BlobAddress(BlobPaths.RunsContainer, item.Name), cancellationToken).ConfigureAwait(false);
            if (read is not { } blob)
            {
                continue;
            }
            try
            {
                events.Add(CloudEventEnvelope.FromJson(Encoding.UTF8.GetString(blob.Content)));
            }
            catch (JsonException e)
            {
                unreadable?.Add($"{BlobPaths.RunsContainer}/{item.Name}: {e.Message}");
            }
        }
        return [.. events.OrderBy(e => e.Time ?? DateTimeOffset.MinValue).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }
}
