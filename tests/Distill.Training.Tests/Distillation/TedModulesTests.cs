using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;
using Distill.Training.Distillation;
using Distill.Training.Models;

namespace Distill.Training.Tests.Distillation;

public sealed class TedModulesTests
{
    [Fact]
    public void FilterSet_Linear_HasHierarchicalNamesAndShapes()
    {
        using var filters = new TaskAwareFilterSet(3, inputWidth: 4, filterWidth: 6);
        var shapes = filters.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape);
        Assert.Equal(["filters.0.weight", "filters.0.bias", "filters.1.weight", "filters.1.bias", "filters.2.weight", "filters.2.bias"], shapes.Keys);
        Assert.Equal([6L, 4L], shapes["filters.1.weight"]);
        Assert.Equal([6L], shapes["filters.2.bias"]);
    }

    [Fact]
    public void FilterSet_Nonlinear_HasDenseThenProjection()
    {
        using var filters = new TaskAwareFilterSet(1, inputWidth: 4, filterWidth: 6, nonlinear: true);
        var shapes = filters.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape);
        Assert.Equal(["filters.0.dense.weight", "filters.0.dense.bias", "filters.0.proj.weight", "filters.0.proj.bias"], shapes.Keys);
        Assert.Equal([4L, 4L], shapes["filters.0.dense.weight"]);
        Assert.Equal([6L, 4L], shapes["filters.0.proj.weight"]);
    }

    [Fact]
    public void Filter_Linear_ComputesWeightTimesStatePlusBias()
    {
        using var scope = TensorScope.Begin();
        using var filter = new TaskAwareFilter(2, 3);
        var weight = filter.NamedParameters().Single(p => p.Key == "weight").Value;
        var bias = filter.NamedParameters().Single(p => p.Key == "bias").Value;
        using (TorchRuntime.NoGrad())
        {
            weight.CopyFrom(Tensor.FromArray([1f, 2f, 0f, 1f, -1f, 0f], 3, 2));
            bias.CopyFrom(Tensor.FromArray([0.5f, 0f, 1f], 3));
        }
        var output = filter.Forward(Tensor.FromArray([3f, 4f], 1, 2)).ToArray<float>();
        Assert.Equal([11.5f, 4f, -2f], output);
    }

    [Fact]
    public void Filter_Nonlinear_AppliesExactGeluBetweenTheLayers()
    {
        using var scope = TensorScope.Begin();
        using var filter = new TaskAwareFilter(1, 1, nonlinear: true);
        using (TorchRuntime.NoGrad())
        {
            foreach (var (name, p) in filter.NamedParameters())
            {
                p.Fill(name.EndsWith("weight", StringComparison.Ordinal) ? 1 : 0);
            }
        }
        // GELU(x) = x·Φ(x); Φ(-1) = 0.158655...
        var output = filter.Forward(Tensor.FromArray([-1f], 1, 1)).ToSingle();
        Assert.Equal(-0.15865525393145707, output, 1e-6);
    }

    [Fact]
    public void Heads_FilterWidthEqualsModelWidth_CopyTheModelHead()
    {
        using var scope = TensorScope.Begin();
        var head = Tensor.FromArray(Enumerable.Range(0, 15).Select(i => (float)i).ToArray(), 5, 3);
        using var heads = new TaskAwareFilterHeads(2, filterWidth: 3, head);
        Assert.Equal(["heads.0.weight", "heads.1.weight"], heads.NamedParameters().Select(p => p.Key));
        foreach (var linear in heads.Heads)
        {
            Assert.Equal(head.ToArray<float>(), linear.Weight.ToArray<float>());
            Assert.False(linear.Weight.SharesStorageWith(head));
        }
        Assert.Equal(new long[] { 4, 5 }, heads.Logits(1, Tensor.Zeros([4, 3])).Shape);
    }

    [Fact]
    public void Heads_WiderFilters_CopyTheHeadIntoTheFirstColumnsAndZeroTheRest()
    {
        using var scope = TensorScope.Begin();
        var head = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        using var heads = new TaskAwareFilterHeads(1, filterWidth: 3, head);
        Assert.Equal([1f, 2f, 0f, 3f, 4f, 0f], heads.Heads[0].Weight.ToArray<float>());
        using var narrower = new TaskAwareFilterHeads(1, filterWidth: 1, head);
        Assert.Equal([1f, 3f], narrower.Heads[0].Weight.ToArray<float>());
    }

    [Fact]
    public void ProjectionSet_HasHierarchicalNamesAndMapsStudentToTeacherWidth()
    {
        using var scope = TensorScope.Begin();
        using var projections = new LayerProjectionSet(2, studentWidth: 3, teacherWidth: 5);
        Assert.Equal(["projections.0.weight", "projections.0.bias", "projections.1.weight", "projections.1.bias"],
            projections.NamedParameters().Select(p => p.Key));
        Assert.Equal(new long[] { 2, 4, 5 }, projections.Forward(1, Tensor.Zeros([2, 4, 3])).Shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FilteredSquaredError_Float64_FilterGradientsMatchFiniteDifferences(bool nonlinear)
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(5);
        using var studentFilters = new TaskAwareFilterSet(1, 3, 2, nonlinear, generator: generator);
        using var teacherFilters = new TaskAwareFilterSet(1, 4, 2, nonlinear, generator: generator);
        studentFilters.To(Device.Cpu, DType.Float64);
        teacherFilters.To(Device.Cpu, DType.Float64);
        var random = new Random(6);
        var student = Tensor.FromArray(Reference.Random(random, 2 * 3, 1), 2, 3);
        var teacher = Tensor.FromArray(Reference.Random(random, 2 * 4, 1), 2, 4);
        var mask = Tensor.FromArray([true, true], 2);
        Tensor Loss() => TokenMask.MaskedMean(
            HiddenStateTerms.SquaredError(studentFilters.Forward(0, student), teacherFilters.Forward(0, teacher), mask), mask);
        foreach (var parameter in studentFilters.Parameters())
        {
            GradientCheck.Parameter(parameter, Loss);
        }
        Tensor.ZeroGrad(teacherFilters.Parameters().ToArray());
        Loss().Backward();
        // The teacher's filtered states enter detached: its filters learn nothing in Stage II.
        Assert.All(teacherFilters.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void TedPairs_OnTinyModels_SelectMatchingHiddenStates()
    {
        using var scope = TensorScope.Begin();
        using var student = CausalLanguageModel.CreateInitialized(Config(layers: 2, width: 8), 1);
        using var teacher = CausalLanguageModel.CreateInitialized(Config(layers: 4, width: 16), 2);
        var options = new MethodOptions { Name = MethodNames.Ted };
        Assert.Empty(options.Validate(student.Config, teacher.Config));
        var pairs = options.ResolveLayerPairs(student.Config.NumLayers, teacher.Config.NumLayers);
        Assert.Equal([new(1, 2), new(2, 4)], pairs);
        var width = options.ResolveFilterWidth(teacher.Config.HiddenSize);
        using var studentFilters = new TaskAwareFilterSet(pairs.Count, student.Config.HiddenSize, width);
        using var teacherFilters = new TaskAwareFilterSet(pairs.Count, teacher.Config.HiddenSize, width);
        var ids = Tensor.FromArray([1L, 5L, 7L, 2L, 9L, 3L], 2, 3);
        var forward = new ForwardOptions { HiddenStates = true, Logits = false };
        var s = student.Forward(ids, forward);
        ModelOutput t;
        using (TorchRuntime.NoGrad())
        {
            teacher.Eval();
            t = teacher.Forward(ids, forward);
        }
        var mask = Tensor.Ones([2, 3], DType.Bool);
        var total = Tensor.Scalar(0);
        for (var k = 0; k < pairs.Count; k++)
        {
            var zs = studentFilters.Forward(k, s.HiddenStates![pairs[k].Student]);
            var zt = teacherFilters.Forward(k, t.HiddenStates![pairs[k].Teacher]);
            Assert.Equal(new long[] { 2, 3, 16 }, zs.Shape);
            total += TokenMask.MaskedMean(HiddenStateTerms.SquaredError(zs, zt, mask), mask);
        }
        (total / pairs.Count).Backward();
        Assert.All(studentFilters.Parameters(), p => Assert.Contains(p.Grad!.ToArray<float>(), g => g != 0));
        Assert.Contains(student.Parameters(), p => p.Grad is not null);
        Assert.All(teacher.Parameters(), p => Assert.Null(p.Grad));
    }

    private static ModelConfig Config(int layers, int width) => new()
    {
        ModelType = "gpt2",
        VocabSize = 11,
        HiddenSize = width,
        NumLayers = layers,
        NumHeads = 2,
        NumKeyValueHeads = 2,
        HeadDim = width / 2,
        IntermediateSize = 4 * width,
        MaxPositions = 8,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
    };
}
