using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Torch.Serialization;
using Distill.Training.Distillation;
using Distill.Training.Tests.Data;
using static Distill.Training.Tests.Distillation.TinyDistillation;

namespace Distill.Training.Tests.Distillation;

public sealed class TedFilterArtifactTests : DatasetTestFolder
{
    private static readonly MethodOptions s_method = MethodOptions.FromJson("""{"name": "ted", "ted": {"filterWidth": 12, "nonlinear": true}}""");
    private static readonly ModelConfig s_student = StudentConfig("gpt2");
    private static readonly ModelConfig s_teacher = TeacherConfig("gpt2");

    private static TedFilterLayout Layout(ModelRole role, MethodOptions? method = null) => TedFilterLayout.For(role, method ?? s_method, s_student, s_teacher);

    private string SaveTeacherFilters()
    {
        var folder = Output("teacher-filters");
        using var filters = Layout(ModelRole.Teacher).CreateFilters(5);
        TedFilterArtifact.Save(folder, Layout(ModelRole.Teacher), filters, trainedSteps: 7);
        return folder;
    }

    [Fact]
    public void SaveThenLoad_RoundTripsTheWeightsAndDescribesThem()
    {
        var layout = Layout(ModelRole.Teacher);
        using var filters = layout.CreateFilters(5);
        var folder = Output("filters");

        TedFilterArtifact.Save(folder, layout, filters, trainedSteps: 7);
        using var loaded = TedFilterArtifact.Load(folder, layout);

        Assert.Equal(filters.NamedParameters().Select(p => (p.Key, p.Value.ToBytes())), loaded.NamedParameters().Select(p => (p.Key, p.Value.ToBytes())),
            (a, b) => a.Key == b.Key && a.Item2.AsSpan().SequenceEqual(b.Item2));
        Assert.True(loaded.IsNonlinear);
        var description = TedFilterArtifact.ReadDescription(folder);
        Assert.Equal("teacher", description.Role);
        Assert.Equal((4, 2, 2, 32L, 12L, true, 7L), (description.ModelLayers, description.Interval, description.FilterCount, description.InputWidth,
            description.FilterWidth, description.Nonlinear, description.TrainedSteps!.Value));
        Assert.Equal([2, 4], description.Layers);
        var json = File.ReadAllText(Path.Combine(folder, TedFilterArtifact.DescriptionFileName));
        Assert.Contains("\"filter_width\": 12", json, StringComparison.Ordinal);
        Assert.DoesNotContain(SafeTensors.LoadCheckpoint(Path.Combine(folder, TedFilterArtifact.WeightsFileName)).Keys, k => k.StartsWith("heads", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_TheOtherModelsArtifact_IsRejectedNamingTheDescription()
    {
        var folder = SaveTeacherFilters();

        var error = Assert.Throws<TedFilterArtifactException>(() => TedFilterArtifact.Load(folder, Layout(ModelRole.Student)));

        Assert.Equal(Path.Combine(folder, TedFilterArtifact.DescriptionFileName), error.FilePath);
        Assert.StartsWith(error.FilePath + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains("role is 'teacher' but the student's filters are needed", error.Problems);
        Assert.Contains("model_layers is 4 but the student's depth is 2", error.Problems);
        Assert.Contains("input_width is 32 but the student's hidden size is 16", error.Problems);
    }

    [Fact]
    public void Load_AnotherMethodLayout_ListsEveryDifference()
    {
        var folder = SaveTeacherFilters();
        var other = MethodOptions.FromJson("""{"name": "ted", "ted": {"teacherInterval": 4}}""");

        var error = Assert.Throws<TedFilterArtifactException>(() => TedFilterArtifact.Load(folder, Layout(ModelRole.Teacher, other)));

        Assert.Equal(
            [
                "interval is 2 but the teacher's interval for this method and these models is 4",
                "filter_count is 2 but K for this method and these models is 1",
                "filter_width is 12 but d_f for this method and these models is 32",
                "nonlinear is true but method.ted.nonlinear is false",
            ],
            error.Problems);
    }

    [Fact]
    public void Load_WeightsThatDoNotFitTheDescription_AreRejectedNamingTheWeightsFile()
    {
        var folder = SaveTeacherFilters();
        var weights = Path.Combine(folder, TedFilterArtifact.WeightsFileName);
        using (var scope = TensorScope.Begin())
        {
            var tensors = SafeTensors.LoadCheckpoint(weights);
            tensors["filters.1.proj.weight"] = Tensor.Zeros([11, 32]);
            SafeTensors.Write(weights, tensors);
        }

        var error = Assert.Throws<TedFilterArtifactException>(() => TedFilterArtifact.Load(folder, Layout(ModelRole.Teacher)));

        Assert.Equal(weights, error.FilePath);
        Assert.Contains("filters.1.proj.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("[11, 32]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TedFilterArtifact.DescriptionFileName, "the file is missing")]
    [InlineData(TedFilterArtifact.WeightsFileName, "the file is missing")]
    public void Load_MissingFile_IsNamed(string file, string problem)
    {
        var folder = SaveTeacherFilters();
        File.Delete(Path.Combine(folder, file));

        var error = Assert.Throws<TedFilterArtifactException>(() => TedFilterArtifact.Load(folder, Layout(ModelRole.Teacher)));

        Assert.Equal(Path.Combine(folder, file), error.FilePath);
        Assert.StartsWith(problem, Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "not a valid filters description")]
    [InlineData("""{"format": "something-else", "version": 1, "role": "teacher", "model_layers": 4, "interval": 2, "filter_count": 2, "layers": [2, 4], "input_width": 32, "filter_width": 12, "nonlinear": true}""", "the format is 'something-else'")]
    [InlineData("""{"format": "distill-ted-filters", "version": 9, "role": "teacher", "model_layers": 4, "interval": 2, "filter_count": 2, "layers": [2, 4], "input_width": 32, "filter_width": 12, "nonlinear": true}""", "version 9 is not supported")]
    [InlineData("""{"format": "distill-ted-filters", "version": 1, "role": "teacher", "model_layers": 4, "interval": 2, "filter_count": 2, "layers": [2, 4], "input_width": 32, "filter_width": 12, "nonlinear": true, "extra": 1}""", "not a valid filters description")]
    public void Load_MalformedDescription_IsRejectedNamingIt(string json, string problem)
    {
        var folder = SaveTeacherFilters();
        var path = Path.Combine(folder, TedFilterArtifact.DescriptionFileName);
        File.WriteAllText(path, json);

        var error = Assert.Throws<TedFilterArtifactException>(() => TedFilterArtifact.Load(folder, Layout(ModelRole.Teacher)));

        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(problem, Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Save_FiltersThatDoNotFitTheLayout_AreRefused()
    {
        using var filters = Layout(ModelRole.Student).CreateFilters(1);

        var error = Assert.Throws<ArgumentException>(() => TedFilterArtifact.Save(Output("x"), Layout(ModelRole.Teacher), filters));

        Assert.Contains("take 16 features but the model's hidden size is 32", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output("x")));
    }
}
