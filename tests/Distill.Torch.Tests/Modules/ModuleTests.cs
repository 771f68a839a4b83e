using Distill.Torch.Nn;
using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Modules;

public sealed class ModuleTests
{
    /// <summary>A GPT-2-shaped tree: h.N.attn.c_attn, h.N.ln_1, ln_f, and buffers of both kinds.</summary>
    private sealed class Attention : Module
    {
        public Attention()
        {
            CAttn = RegisterModule("c_attn", new Linear(4, 12));
            CProj = RegisterModule("c_proj", new Linear(4, 4, bias: false));
        }

        public Linear CAttn { get; }

        public Linear CProj { get; }
    }

    private sealed class Block : Module
    {
        public Block()
        {
            Ln1 = RegisterModule("ln_1", new LayerNorm(4));
            Attn = RegisterModule("attn", new Attention());
            Mask = RegisterBuffer("bias", Tensor.Ones([2, 2], DType.Bool), persistent: false);
        }

        public LayerNorm Ln1 { get; }

        public Attention Attn { get; }

        public Tensor Mask { get; }
    }

    private sealed class Model : Module
    {
        public Model(int layers = 4)
        {
            H = RegisterModule("h", new ModuleList<Block>(Enumerable.Range(0, layers).Select(_ => new Block())));
            LnF = RegisterModule("ln_f", new LayerNorm(4));
            Positions = RegisterBuffer("positions", Tensor.Arange(3));
            Table = RegisterBuffer("table", Tensor.Ones([3]));
        }

        public ModuleList<Block> H { get; }

        public LayerNorm LnF { get; }

        public Tensor Positions { get; }

        public Tensor Table { get; }

        public Tensor Extra(string name, Tensor value) => RegisterParameter(name, value);
    }

    [Fact]
    public void NamedParameters_NestedModulesAndLists_ComposeDottedNames()
    {
        using var model = new Model();

        var names = model.NamedParameters().Select(p => p.Key).ToList();

        Assert.Equal(4 * 5 + 2, names.Count);
        Assert.Equal(["h.0.ln_1.weight", "h.0.ln_1.bias", "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight"], names.Take(5));
        Assert.Contains("h.3.attn.c_attn.weight", names);
        Assert.Equal(["ln_f.weight", "ln_f.bias"], names.TakeLast(2));
        Assert.Same(model.H[3].Attn.CAttn.Weight, model.NamedParameters().Single(p => p.Key == "h.3.attn.c_attn.weight").Value);
        Assert.Contains("h.2.attn", model.NamedModules().Select(m => m.Key));
        Assert.Equal(4, model.H.Count);
    }

    [Fact]
    public void Buffers_PersistentOnesAreInTheStateDict_NonPersistentOnesAreNot()
    {
        using var model = new Model(layers: 1);

        var state = model.StateDict();

        Assert.Equal(["positions", "table"], model.NamedBuffers().Select(b => b.Key));
        Assert.Contains("positions", state.Keys);
        Assert.DoesNotContain("h.0.bias", state.Keys);
        Assert.Equal(model.NamedParameters().Count() + 2, state.Count);
        Assert.False(model.Table.RequiresGrad);
    }

    [Fact]
    public void StateDict_HandsOutTheLiveTensors()
    {
        using var model = new Model(layers: 1);

        Assert.Same(model.LnF.Weight, model.StateDict()["ln_f.weight"]);
    }

    [Fact]
    public void TrainEval_PropagateToEverySubModule()
    {
        using var model = new Model(layers: 2);
        Assert.True(model.H[1].Attn.CAttn.IsTraining);

        model.Eval();

        Assert.False(model.IsTraining);
        Assert.All(model.NamedModules(), m => Assert.False(m.Value.IsTraining));
        model.Train();
        Assert.All(model.NamedModules(), m => Assert.True(m.Value.IsTraining));
    }

    [Fact]
    public void ParameterCount_AllOrTrainableOnly_AndFreeze()
    {
        using var model = new Model(layers: 2);
        // Per block: ln_1 4 + 4, c_attn 12·4 + 12, c_proj 4·4; ln_f 4 + 4.
        const long total = 2 * (8 + 60 + 16) + 8;

        Assert.Equal(total, model.ParameterCount());
        model.H[0].Freeze();
        Assert.Equal(total, model.ParameterCount());
        Assert.Equal(total - 84, model.ParameterCount(trainableOnly: true));
        Assert.False(model.H[0].Attn.CAttn.Weight.RequiresGrad);
        model.Freeze();
        Assert.Equal(0, model.ParameterCount(trainableOnly: true));
        model.Freeze(false);
        Assert.Equal(total, model.ParameterCount(trainableOnly: true));
    }

    [Fact]
    public void LoadStateDict_Strict_ListsEveryMissingUnexpectedAndMisShapedName()
    {
        using var model = new Model(layers: 1);
        using var scope = TensorScope.Begin();
        var state = model.StateDict().ToDictionary(e => e.Key, e => e.Value.Clone());
        state.Remove("h.0.attn.c_proj.weight");
        state.Remove("table");
        state["h.0.ln_1.bias"] = Tensor.Zeros([5]);
        state["lm_head.weight"] = Tensor.Zeros([2]);
        state["h.0.attn.extra"] = Tensor.Zeros([1]);

        var error = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(state));

        Assert.Contains("missing tensor 'h.0.attn.c_proj.weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing tensor 'table'", error.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'h.0.ln_1.bias' has shape [5] but the model expects [4]", error.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensor 'lm_head.weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensor 'h.0.attn.extra'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadStateDict_NonStrict_LoadsWhatMatchesButStillRefusesWrongShapes()
    {
        using var model = new Model(layers: 1);
        using var scope = TensorScope.Begin();

        model.LoadStateDict(new Dictionary<string, Tensor> { ["ln_f.weight"] = Tensor.Full([4], 3, DType.Float64), ["other"] = Tensor.Zeros([1]) }, strict: false);
        var error = Assert.Throws<InvalidDataException>(() =>
            model.LoadStateDict(new Dictionary<string, Tensor> { ["ln_f.bias"] = Tensor.Zeros([3]) }, strict: false));

        TensorAssert.Equal([3, 3, 3, 3], model.LnF.Weight, 4);
        Assert.Equal(DType.Float32, model.LnF.Weight.DType);
        Assert.Contains("'ln_f.bias' has shape [3]", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadStateDict_RoundTrip_CopiesValuesIntoTheSameTensors()
    {
        using var source = new Model(layers: 1);
        using var target = new Model(layers: 1);
        var weight = target.H[0].Attn.CAttn.Weight;

        target.LoadStateDict(source.StateDict());

        Assert.Same(weight, target.H[0].Attn.CAttn.Weight);
        Assert.Equal(TensorAssert.Values(source.H[0].Attn.CAttn.Weight), TensorAssert.Values(weight));
        Assert.False(weight.SharesStorageWith(source.H[0].Attn.CAttn.Weight));
        Assert.True(weight.IsLeaf);
    }

    [Fact]
    public void To_ConvertsFloatingTensorsInPlace_IntegerBuffersKeepTheirDType()
    {
        using var model = new Model(layers: 1);
        var weight = model.LnF.Weight;

        model.To(Device.Cpu, DType.Float64);

        Assert.Same(weight, model.LnF.Weight);
        Assert.Equal(DType.Float64, weight.DType);
        Assert.True(weight.RequiresGrad);
        Assert.Equal(DType.Float64, model.Table.DType);
        Assert.Equal(DType.Int64, model.Positions.DType);
        Assert.Equal(DType.Bool, model.H[0].Mask.DType);
    }

    [Fact]
    public void RegisterParameter_DuplicateOrDottedName_Throws()
    {
        using var model = new Model(layers: 1);
        using var scope = TensorScope.Begin();

        var duplicate = Assert.Throws<ArgumentException>(() => model.Extra("table", Tensor.Zeros([1])));
        var dotted = Assert.Throws<ArgumentException>(() => model.Extra("a.b", Tensor.Zeros([1])));

        Assert.Contains("'table' is already registered", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("contains a dot", dotted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisterParameter_InsideAScope_OutlivesTheScopeAndRequiresGrad()
    {
        using var model = new Model(layers: 1);
        Tensor parameter;

        using (TensorScope.Begin())
        {
            parameter = model.Extra("scale", Tensor.Ones([2]));
        }

        Assert.False(parameter.IsDisposed);
        Assert.True(parameter.RequiresGrad);
        Assert.Contains("scale", model.StateDict().Keys);
    }

    [Fact]
    public void Dispose_FreesEveryParameterAndBuffer()
    {
        var model = new Model(layers: 2);
        var tensors = model.Parameters().Concat([model.Positions, model.H[1].Mask]).ToList();

        model.Dispose();

        Assert.All(tensors, t => Assert.True(t.IsDisposed));
    }

    [Fact]
    public void LinearAndEmbedding_SeededInitialisation_IsReproducibleAndInRange()
    {
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var a = new Linear(16, 8, generator: g1);
        using var b = new Linear(16, 8, generator: g2);
        using var embedding = new Embedding(50, 8, generator: g1);

        var weights = TensorAssert.Values(a.Weight);

        Assert.Equal(weights, TensorAssert.Values(b.Weight));
        Assert.All(weights, w => Assert.InRange(w, -0.25, 0.25));
        Assert.All(TensorAssert.Values(a.Bias!), w => Assert.InRange(w, -0.25, 0.25));
        Assert.InRange(TensorAssert.Values(embedding.Weight).Select(Math.Abs).Max(), 1.5, 6);
    }
}
