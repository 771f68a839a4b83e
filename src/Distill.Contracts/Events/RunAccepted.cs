using System.Text.Json.Serialization;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Events;

/// <summary><c>distill.run.accepted</c>: a manifest was read and its run created; the first stage is queued.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record RunAccepted : DistillEventData
{
    /// <summary>The manifest's name.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the manifest.</summary>
    public required string ManifestSha256 { get; init; }

    /// <summary>The upload the run reads.</summary>
    public required BlobLocation Upload { get; init; }

    /// <summary>The stages the run will go through, in order.</summary>
    public required IReadOnlyList<string> Stages { get; init; }
}
