using Distill.Torch.Nn;
using Distill.Torch.Optim;
using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Optim;

public sealed class AdamWTests
{
    private static Tensor Parameter(double[] values, params long[] shape)
    {
        var p = Tensor.FromArray(values, shape).DetachFromScope();
        p.RequiresGrad = true;
        return p;
    }

    private static void SetGrad(Tensor parameter, double[] grad)
    {
        using var scope = TensorScope.Begin();
        parameter.SetGrad(Tensor.FromArray(grad, parameter.Shape).To(parameter.DType));
    }

    [Fact]
    public void Step_Once_MatchesTorchAdamWLonghand()
    {
        double[] initial = [0.5, -1.25, 2.0, 0.0];
        double[] grad = [0.1, -0.4, 3.0, 0.0];
        using var p = Parameter(initial, 2, 2);
        using var optimizer = new AdamW([("w", p, 0.1)], learningRate: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8);
        var reference = new AdamWReference(initial, 0.9, 0.95, 1e-8, 0.1);

        SetGrad(p, grad);
        optimizer.Step();
        reference.Step(grad, 0.01);

        TensorAssert.Close(reference.Parameter, p, [2, 2], 1e-14);
        TensorAssert.Close(reference.ExpAvg, optimizer.StateDict()["w.exp_avg"], 1e-14);
        TensorAssert.Close(reference.ExpAvgSq, optimizer.StateDict()["w.exp_avg_sq"], 1e-14);
        Assert.Equal(1, optimizer.StepCount);
    }

    [Fact]
    public void Step_Several_WithChangingGradientsAndLearningRate_MatchesLonghand()
    {
        var initial = Reference.Values(6, seed: 1);
        using var p = Parameter(initial, 6);
        using var optimizer = new AdamW([("w", p, 0.05)], learningRate: 0.1);
        var reference = new AdamWReference(initial, 0.9, 0.999, 1e-8, 0.05);

        for (var step = 0; step < 5; step++)
        {
            var grad = Reference.Values(6, seed: 100 + step, low: -2, high: 2);
            var lr = 0.1 / (step + 1);
            SetGrad(p, grad);
            optimizer.LearningRate = lr;
            optimizer.Step();
            reference.Step(grad, lr);
        }

        TensorAssert.Close(reference.Parameter, p, 1e-13);
        Assert.Equal(5, optimizer.StepCount);
    }

    [Fact]
    public void Step_Float32Parameters_MatchLonghandToFloatPrecision()
    {
        var initial = Reference.Values(8, seed: 2);
        using var p = Tensor.FromArray(initial.Select(v => (float)v).ToArray()).DetachFromScope();
        p.RequiresGrad = true;
        using var optimizer = new AdamW([("w", p, 0.0)], learningRate: 1e-3);
        var reference = new AdamWReference(initial.Select(v => (double)(float)v).ToArray(), 0.9, 0.999, 1e-8, 0);

        for (var step = 0; step < 3; step++)
        {
            var grad = Reference.Values(8, seed: 200 + step).Select(v => (double)(float)v).ToArray();
            SetGrad(p, grad);
            optimizer.Step();
            reference.Step(grad, 1e-3);
        }

        Assert.Equal(DType.Float32, p.DType);
        TensorAssert.Close(reference.Parameter, p, 1e-6);
    }

    [Fact]
    public void Step_PerParameterWeightDecay_DecaysOnlyItsGroup()
    {
        using var decayed = Parameter([2.0, -4.0], 2);
        using var kept = Parameter([2.0, -4.0], 2);
        using var optimizer = new AdamW([("decayed", decayed, 0.5), ("kept", kept, 0.0)], learningRate: 0.1);

        // A zero gradient leaves only the decoupled decay: p · (1 − lr · wd).
        SetGrad(decayed, [0, 0]);
        SetGrad(kept, [0, 0]);
        optimizer.Step();

        TensorAssert.Close([2 * 0.95, -4 * 0.95], decayed, 1e-15);
        TensorAssert.Close([2, -4], kept, 0);
    }

    [Fact]
    public void Step_ParameterWithoutGrad_IsLeftAlone()
    {
        using var trained = Parameter([1.0], 1);
        using var idle = Parameter([1.0], 1);
        using var optimizer = new AdamW([("trained", trained, 0.1), ("idle", idle, 0.1)], learningRate: 0.1);

        SetGrad(trained, [1]);
        optimizer.Step();

        Assert.NotEqual(1.0, TensorAssert.Values(trained)[0]);
        TensorAssert.Close([1], idle, 0);
        TensorAssert.Close([0], optimizer.StateDict()["idle.exp_avg"], 0);
        TensorAssert.Close([0], optimizer.StateDict()["idle.exp_avg_sq"], 0);
    }

    [Fact]
    public void ForModule_DecaysMatricesButNotBiasesOrNorms_AndLeavesFrozenOut()
    {
        using var model = new TwoLayer();
        model.Norm.Freeze();

        using var optimizer = AdamW.ForModule(model, learningRate: 0.1, weightDecay: 0.5);

        Assert.Equal(["proj.weight", "proj.bias", "scale.weight"], optimizer.Names);
        using (TensorScope.Begin())
        {
            var before = model.StateDict().ToDictionary(e => e.Key, e => TensorAssert.Values(e.Value));
            foreach (var p in optimizer.Parameters)
            {
                p.SetGrad(p.ZerosLike());
            }
            optimizer.Step();
            TensorAssert.Close(before["proj.weight"].Select(v => v * 0.95).ToArray(), model.Proj.Weight, 1e-7);
            TensorAssert.Close(before["proj.bias"], model.Proj.Bias!, 0);
            TensorAssert.Close(before["scale.weight"], model.Scale.Weight, 0);
        }
    }

    [Fact]
    public void ZeroGrad_RemovesEveryGradient()
    {
        using var p = Parameter([1.0], 1);
        using var optimizer = new AdamW([("p", p, 0)], learningRate: 0.1);
        SetGrad(p, [3]);

        optimizer.ZeroGrad();

        Assert.Null(p.Grad);
    }

    [Fact]
    public void StateDict_LoadedIntoAFreshOptimizer_ContinuesIdentically()
    {
        var initial = Reference.Values(4, seed: 3);
        using var original = Parameter(initial, 4);
        using var optimizer = new AdamW([("w", original, 0.01)], learningRate: 0.05, beta2: 0.95);
        for (var step = 0; step < 3; step++)
        {
            SetGrad(original, Reference.Values(4, seed: 300 + step));
            optimizer.Step();
        }

        using var resumed = Parameter(TensorAssert.Values(original), 4);
        using var restored = new AdamW([("w", resumed, 0.01)], learningRate: 0.05, beta2: 0.95);
        using (TensorScope.Begin())
        {
            var saved = optimizer.StateDict().ToDictionary(e => e.Key, e => e.Value.Clone());
            restored.LoadStateDict(saved, optimizer.StepCount);
        }
        for (var step = 3; step < 6; step++)
        {
            var grad = Reference.Values(4, seed: 300 + step);
            SetGrad(original, grad);
            SetGrad(resumed, grad);
            optimizer.Step();
            restored.Step();
        }

        Assert.Equal(6, restored.StepCount);
        Assert.Equal(TensorAssert.Values(original), TensorAssert.Values(resumed));
    }

    [Fact]
    public void StateDict_WithoutItsStepCount_DoesNotContinueIdentically()
    {
        // The step count drives the bias corrections: restoring the moments alone is not a resume.
        var initial = Reference.Values(2, seed: 4);
        using var original = Parameter(initial, 2);
        using var optimizer = new AdamW([("w", original, 0)], learningRate: 0.05);
        SetGrad(original, [1, -1]);
        optimizer.Step();
        using var resumed = Parameter(TensorAssert.Values(original), 2);
        using var restored = new AdamW([("w", resumed, 0)], learningRate: 0.05);

        restored.LoadStateDict(optimizer.StateDict(), stepCount: 0);
        SetGrad(original, [0.5, 0.5]);
        SetGrad(resumed, [0.5, 0.5]);
        optimizer.Step();
        restored.Step();

        Assert.NotEqual(TensorAssert.Values(original), TensorAssert.Values(resumed));
    }

    [Fact]
    public void LoadStateDict_MissingAndMisShapedEntries_AreAllListed()
    {
        using var a = Parameter([1.0, 2.0], 2);
        using var b = Parameter([1.0], 1);
        using var optimizer = new AdamW([("a", a, 0), ("b", b, 0)], learningRate: 0.1);
        using var scope = TensorScope.Begin();
        var state = new Dictionary<string, Tensor>
        {
            ["a.exp_avg"] = Tensor.Zeros([3], DType.Float64),
            ["a.exp_avg_sq"] = Tensor.Zeros([2], DType.Float64),
            ["b.exp_avg"] = Tensor.Zeros([1], DType.Float64),
        };

        var error = Assert.Throws<InvalidDataException>(() => optimizer.LoadStateDict(state, 1));

        Assert.Contains("optimizer state 'a.exp_avg' has shape [3], expected [2]", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing optimizer state 'b.exp_avg_sq'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void Constructor_DuplicateNamesOrBadBetas_Throw()
    {
        using var p = Parameter([1.0], 1);

        Assert.Throws<ArgumentException>(() => new AdamW([("p", p, 0), ("p", p, 0)], 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([("p", p, 0)], 0.1, beta1: 1));
    }

    private sealed class TwoLayer : Module
    {
        public TwoLayer()
        {
            Proj = RegisterModule("proj", new Linear(3, 2));
            Norm = RegisterModule("norm", new LayerNorm(2));
            Scale = RegisterModule("scale", new RmsNorm(2));
        }

        public Linear Proj { get; }

        public LayerNorm Norm { get; }

        public RmsNorm Scale { get; }
    }
}
