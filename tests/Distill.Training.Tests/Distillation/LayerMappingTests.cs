using Distill.Contracts.Methods;
using Distill.Training.Distillation;

namespace Distill.Training.Tests.Distillation;

public sealed class LayerMappingTests
{
    [Theory]
    [InlineData(12, 6, new[] { 2, 4, 6, 8, 10, 12 })]
    [InlineData(12, 12, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 })]
    [InlineData(4, 2, new[] { 2, 4 })]
    [InlineData(6, 4, new[] { 2, 3, 5, 6 })]
    [InlineData(2, 4, new[] { 1, 1, 2, 2 })]
    public void Uniform_TeacherAndStudentDepths_GiveTheDocumentedTeacherLayers(int teacherLayers, int studentLayers, int[] expectedTeacher)
    {
        var pairs = LayerMapping.Uniform(studentLayers, teacherLayers);
        Assert.Equal(Enumerable.Range(1, studentLayers), pairs.Select(p => p.Student));
        Assert.Equal(expectedTeacher, pairs.Select(p => p.Teacher));
    }

    [Theory]
    [InlineData(12, 6, 2, 1, 6)]
    [InlineData(12, 12, 1, 1, 12)]
    [InlineData(6, 4, 3, 2, 2)]
    [InlineData(24, 6, 4, 1, 6)]
    public void TedIntervals_Auto_UseTheGreatestCommonCount(int teacherLayers, int studentLayers, int teacherInterval, int studentInterval, int count)
    {
        var problems = new List<string>();
        var intervals = LayerMapping.ResolveTedIntervals(null, null, studentLayers, teacherLayers, "method.ted", problems);
        Assert.Empty(problems);
        Assert.Equal(new TedIntervals(studentInterval, teacherInterval, count), intervals);
    }

    [Fact]
    public void TedIntervals_TwelveToSix_PairStudentLayerKWithTeacherLayerTwoK()
    {
        var pairs = new TedIntervals(1, 2, 6).Pairs();
        Assert.Equal([new(1, 2), new(2, 4), new(3, 6), new(4, 8), new(5, 10), new(6, 12)], pairs);
    }

    [Fact]
    public void TedIntervals_OneGiven_CompletesTheOther()
    {
        var problems = new List<string>();
        Assert.Equal(new TedIntervals(2, 4, 3), LayerMapping.ResolveTedIntervals(2, null, 6, 12, "method.ted", problems));
        Assert.Equal(new TedIntervals(3, 6, 2), LayerMapping.ResolveTedIntervals(null, 6, 6, 12, "method.ted", problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void TedIntervals_StudentIntervalNotDividingDepth_IsNamed()
    {
        var problems = new List<string>();
        Assert.Null(LayerMapping.ResolveTedIntervals(3, null, 4, 12, "method.ted", problems));
        Assert.Equal(["method.ted.studentInterval: 3 does not divide the student's 4 layers"], problems);
    }

    [Fact]
    public void TedIntervals_DifferentFilterCounts_AreRejected()
    {
        var problems = new List<string>();
        Assert.Null(LayerMapping.ResolveTedIntervals(2, 3, 6, 12, "method.ted", problems));
        var problem = Assert.Single(problems);
        Assert.StartsWith("method.ted: ", problem, StringComparison.Ordinal);
        Assert.Contains("give 3 filters", problem, StringComparison.Ordinal);
        Assert.Contains("give 4", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TedIntervals_GivenIntervalWhoseCountDoesNotDivideTheOtherModel_IsNamedOnTheOtherField()
    {
        var problems = new List<string>();
        // 6 student layers in intervals of 2 make 3 filters; a 4-layer teacher cannot host 3.
        Assert.Null(LayerMapping.ResolveTedIntervals(2, null, 6, 4, "method.ted", problems));
        Assert.StartsWith("method.ted.teacherInterval: ", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidatePairs_OutOfRangeZeroAndDuplicate_ListsEveryProblem()
    {
        LayerPair[] pairs = [new(1, 2), new(0, 3), new(5, 13), new(1, 2)];
        var problems = LayerMapping.ValidatePairs(pairs, 4, 12, "method.featureAlignment.layerPairs");
        Assert.Equal(
        [
            "method.featureAlignment.layerPairs[1].student: layer 0 is outside the student's layers 1..4 (0, the embeddings, is never matched)",
            "method.featureAlignment.layerPairs[2].student: layer 5 is outside the student's layers 1..4 (0, the embeddings, is never matched)",
            "method.featureAlignment.layerPairs[2].teacher: layer 13 is outside the teacher's layers 1..12 (0, the embeddings, is never matched)",
            "method.featureAlignment.layerPairs[3]: the pair 1→2 is listed twice",
        ], problems);
    }

    [Fact]
    public void Explicit_ValidPairs_AreKeptInOrder()
    {
        LayerPair[] pairs = [new(2, 12), new(1, 3)];
        Assert.Equal(pairs, LayerMapping.Explicit(pairs, 2, 12));
        var error = Assert.Throws<MethodOptionsException>(() => LayerMapping.Explicit([], 2, 12));
        Assert.Contains("layerPairs: must list at least one pair", error.Message, StringComparison.Ordinal);
    }
}
