using Distill.Contracts.Stages;
using Distill.Training.Distillation;

namespace Distill.Runner.Stages;

/// <summary>The executor of every stage (<see cref="StageNames"/>).</summary>
public static class StageExecutors
{
    public static IReadOnlyDictionary<string, IStageExecutor> Create() => new Dictionary<string, IStageExecutor>(StringComparer.Ordinal)
    {
        [StageNames.Prepare] = new PrepareStage(),
        [StageNames.TedTeacherFilters] = new TedFiltersStage(ModelRole.Teacher),
        [StageNames.TedStudentFilters] = new TedFiltersStage(ModelRole.Student),
        [StageNames.Distill] = new DistillStage(),
        [StageNames.Evaluate] = new EvaluateStage(),
    };
}
