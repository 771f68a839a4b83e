using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;

namespace Distill.Contracts.Stages;

/// <summary>Which stages a run has, in order: prepare → [TED's teacher and student filters] → distill → evaluate.</summary>
public static class StagePlan
{
    /// <summary>The stages for a manifest's method.</summary>
    public static IReadOnlyList<string> For(PipelineManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return For(manifest.Method?.Name);
    }

    /// <summary>The stages for a method: TED adds its two filter stages before distill.</summary>
    public static IReadOnlyList<string> For(string? methodName) => methodName == MethodNames.Ted
        ? [StageNames.Prepare, StageNames.TedTeacherFilters, StageNames.TedStudentFilters, StageNames.Distill, StageNames.Evaluate]
        : [StageNames.Prepare, StageNames.Distill, StageNames.Evaluate];
}
