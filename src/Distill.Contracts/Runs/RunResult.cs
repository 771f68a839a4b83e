using System.Text.Json.Serialization;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Runs;

/// <summary>What a completed run produced: the published student, the report, and how the student compares with the teacher.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record RunResult
{
    /// <summary>The published student's folder (<see cref="BlobPaths.PublishedModel"/>).</summary>
    public required BlobLocation Student { get; init; }

    /// <summary>The evaluation report's folder (<see cref="BlobPaths.Report"/>).</summary>
    public required BlobLocation Report { get; init; }

    /// <summary>The evaluation's numbers, by name.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    public required TeacherComparison Comparison { get; init; }
}
