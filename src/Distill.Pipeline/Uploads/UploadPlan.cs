using Distill.Contracts.Manifests;

namespace Distill.Pipeline.Uploads;

/// <summary>A checked run folder (<see cref="UploadClient.Check"/>): its manifest and the files to upload before it.</summary>
public sealed record UploadPlan
{
    /// <summary>The run folder (a full path).</summary>
    public required string Folder { get; init; }

    /// <summary>The manifest file's full path.</summary>
    public required string ManifestPath { get; init; }

    /// <summary>The manifest's bytes as checked; exactly these are uploaded.</summary>
    public required ReadOnlyMemory<byte> ManifestBytes { get; init; }

    public required PipelineManifest Manifest { get; init; }

    /// <summary>The teacher's files and the data files, in ordinal order of their relative paths (the manifest is not among them).</summary>
    public required IReadOnlyList<UploadFile> Files { get; init; }

    /// <summary>Bytes to upload, the manifest included.</summary>
    public long TotalBytes => Files.Sum(f => f.Length) + ManifestBytes.Length;
}
