namespace Distill.Contracts.Stages;

/// <summary>The stages a run goes through (<see cref="StagePlan"/> orders them); each name is also a blob path segment.</summary>
public static class StageNames
{
    /// <summary>Tokenizes the data into packed blocks and checks the teacher loads.</summary>
    public const string Prepare = "prepare";

    /// <summary>TED's Stage I for the teacher: learns the teacher's filters (the teacher's weights frozen).</summary>
    public const string TedTeacherFilters = "ted-teacher-filters";

    /// <summary>TED's Stage I for the student: learns the student's filters.</summary>
    public const string TedStudentFilters = "ted-student-filters";

    /// <summary>Trains the student against the teacher with the manifest's method.</summary>
    public const string Distill = "distill";

    /// <summary>Compares the student with the teacher on the validation blocks and writes the report.</summary>
    public const string Evaluate = "evaluate";

    /// <summary>Every stage, in the order a TED run has them.</summary>
    public static IReadOnlyList<string> All { get; } = [Prepare, TedTeacherFilters, TedStudentFilters, Distill, Evaluate];

    public static bool IsKnown(string? stage) => stage is not null && All.Contains(stage);
}
