namespace Distill.Contracts.Stages;

/// <summary>What one stage hands to the next, each in <c>runs/{runId}/artifacts/{name}/</c> (<see cref="Storage.BlobPaths.Artifact"/>).</summary>
public static class ArtifactNames
{
    /// <summary>The tokenized, packed training and validation blocks (<see cref="StageNames.Prepare"/>).</summary>
    public const string Dataset = "dataset";

    /// <summary>The teacher's trained TED filters (<see cref="StageNames.TedTeacherFilters"/>).</summary>
    public const string TeacherFilters = "teacher-filters";

    /// <summary>The student's trained TED filters (<see cref="StageNames.TedStudentFilters"/>).</summary>
    public const string StudentFilters = "student-filters";

    /// <summary>The distilled student, a checkpoint folder in the Hugging Face layout (<see cref="StageNames.Distill"/>).</summary>
    public const string Student = "student";
}
