using Distill.Contracts.Manifests;
using Distill.Contracts.Models;
using Distill.Contracts.Runs;
using Distill.Contracts.Storage;

namespace Distill.Pipeline.Handlers;

/// <summary>Everything the model card of a published student says (<see cref="ModelCard.Write"/>).</summary>
public sealed record ModelCardContent
{
    /// <summary>The name the student is published under (<c>output.name</c>, or the manifest's name).</summary>
    public required string ModelName { get; init; }

    public required string RunId { get; init; }

    public required DateTimeOffset PublishedAt { get; init; }

    /// <summary>Where the student is published (<c>models/{name}/{runId}</c>).</summary>
    public required BlobLocation Student { get; init; }

    /// <summary>The student's config.json, when it could be read.</summary>
    public ModelConfig? StudentConfig { get; init; }

    /// <summary>The teacher's folder in the upload.</summary>
    public required BlobLocation Teacher { get; init; }

    /// <summary>The teacher's config.json.</summary>
    public required ModelConfig TeacherConfig { get; init; }

    /// <summary>The manifest, as parsed (defaults filled in).</summary>
    public required PipelineManifest Manifest { get; init; }

    /// <summary>The manifest exactly as uploaded.</summary>
    public required string ManifestJson { get; init; }

    public required string ManifestSha256 { get; init; }

    /// <summary>The teacher's files and the data files, with sizes and ETags.</summary>
    public required IReadOnlyList<LineageFile> Files { get; init; }

    /// <summary>SHA-256 over the data files' names, sizes and ETags (<see cref="StudentPublisher.DataHash"/>).</summary>
    public required string DataHash { get; init; }

    public required TeacherComparison Comparison { get; init; }

    /// <summary>The final metrics of each stage, in the run's order.</summary>
    public required IReadOnlyList<StageState> Stages { get; init; }

    /// <summary>The evaluation report's folder.</summary>
    public required BlobLocation Report { get; init; }
}
