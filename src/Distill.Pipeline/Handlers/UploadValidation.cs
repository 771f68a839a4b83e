using Distill.Contracts.Manifests;
using Distill.Contracts.Models;

namespace Distill.Pipeline.Handlers;

/// <summary>What <see cref="UploadValidator"/> found in an upload: the manifest and teacher config when readable, and every problem.</summary>
public sealed record UploadValidation
{
    /// <summary>The run's name: the manifest's, or the upload id when the manifest has no valid one.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the manifest's bytes (lowercase hex).</summary>
    public required string ManifestSha256 { get; init; }

    /// <summary>The parsed manifest; null when it could not be read.</summary>
    public PipelineManifest? Manifest { get; init; }

    /// <summary>The teacher's config.json; null when it could not be read.</summary>
    public ModelConfig? TeacherConfig { get; init; }

    /// <summary>Every problem, each naming the blob it is about (<c>uploads/{id}/teacher/config.json: …</c>); empty when the upload is valid.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    public bool IsValid => Problems.Count == 0 && Manifest is not null;
}
