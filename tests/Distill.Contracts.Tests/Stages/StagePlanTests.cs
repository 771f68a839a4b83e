using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;
using Distill.Contracts.Stages;

namespace Distill.Contracts.Tests.Stages;

public sealed class StagePlanTests
{
    [Theory]
    [InlineData(MethodNames.Kd)]
    [InlineData(MethodNames.Ce)]
    [InlineData(MethodNames.Atkd)]
    [InlineData(MethodNames.Lwd)]
    [InlineData(MethodNames.FeatureAlignment)]
    public void For_MethodsWithoutFilters_PrepareDistillEvaluate(string method)
    {
        var manifest = new PipelineManifest { Method = new MethodOptions { Name = method } };

        Assert.Equal(["prepare", "distill", "evaluate"], StagePlan.For(manifest));
    }

    [Fact]
    public void For_Ted_AddsTheTeacherThenStudentFilterStagesBeforeDistill()
    {
        var manifest = new PipelineManifest { Method = new MethodOptions { Name = MethodNames.Ted } };

        Assert.Equal(["prepare", "ted-teacher-filters", "ted-student-filters", "distill", "evaluate"], StagePlan.For(manifest));
    }

    [Fact]
    public void StageNames_AreValidIdsAndKnown()
    {
        Assert.All(StageNames.All, name => Assert.True(Distill.Contracts.Storage.BlobPaths.IsValidId(name), name));
        Assert.True(StageNames.IsKnown("distill"));
        Assert.False(StageNames.IsKnown("Distill"));
        Assert.False(StageNames.IsKnown(null));
    }
}
