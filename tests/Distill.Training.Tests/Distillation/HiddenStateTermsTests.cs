using Distill.Torch;
using Distill.Torch.Nn;
using Distill.Training.Distillation;

namespace Distill.Training.Tests.Distillation;

public sealed class HiddenStateTermsTests
{
    [Fact]
    public void SquaredError_TinyStates_AveragesOverFeatures()
    {
        using var scope = TensorScope.Begin();
        var student = Tensor.FromArray([1f, 2f, 3f, 0f, 0f, 0f], 2, 3);
        var teacher = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 1f], 2, 3);
        var values = HiddenStateTerms.SquaredError(student, teacher).ToArray<float>();
        Assert.Equal((0 + 4 + 9) / 3.0, values[0], 1e-6);
        Assert.Equal(1.0, values[1], 1e-6);
    }

    [Fact]
    public void CosineDistance_TinyStates_IsOneMinusCosine()
    {
        using var scope = TensorScope.Begin();
        // Orthogonal, opposite, parallel with another length, and 45°.
        var student = Tensor.FromArray([1f, 0f, 1f, 0f, 2f, 2f, 1f, 0f], 4, 2);
        var teacher = Tensor.FromArray([0f, 1f, -3f, 0f, 1f, 1f, 1f, 1f], 4, 2);
        var values = HiddenStateTerms.CosineDistance(student, teacher).ToArray<float>();
        Assert.Equal(1.0, values[0], 1e-6);
        Assert.Equal(2.0, values[1], 1e-6);
        Assert.Equal(0.0, values[2], 1e-6);
        Assert.Equal(1 - 1 / Math.Sqrt(2), values[3], 1e-6);
    }

    [Fact]
    public void Terms_RandomStates_MatchLonghand()
    {
        using var scope = TensorScope.Begin();
        var random = new Random(3);
        var s = Reference.Random(random, 4 * 6, 2);
        var t = Reference.Random(random, 4 * 6, 2);
        var mse = HiddenStateTerms.SquaredError(Tensor.FromArray(s, 4, 6), Tensor.FromArray(t, 4, 6)).ToArray<double>();
        var cosine = HiddenStateTerms.CosineDistance(Tensor.FromArray(s, 4, 6), Tensor.FromArray(t, 4, 6)).ToArray<double>();
        for (var r = 0; r < 4; r++)
        {
            Assert.Equal(Reference.SquaredError(Reference.Row(s, r, 6), Reference.Row(t, r, 6)), mse[r], 1e-12);
            Assert.Equal(Reference.CosineDistance(Reference.Row(s, r, 6), Reference.Row(t, r, 6)), cosine[r], 1e-12);
        }
    }

    [Fact]
    public void Terms_StudentEqualsTeacher_AreZero()
    {
        using var scope = TensorScope.Begin();
        var states = Tensor.Randn([2, 3, 5]);
        Assert.All(HiddenStateTerms.SquaredError(states, states).ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(HiddenStateTerms.CosineDistance(states, states).ToArray<float>(), v => Assert.Equal(0, v, 1e-6));
        Assert.Equal(0f, HiddenStateTerms.MeanSquaredErrorOverAllElements(states, states).ToSingle());
    }

    [Fact]
    public void MaskedMeanOfSquaredError_AllTokensValid_EqualsTedMeanOverAllElements()
    {
        using var scope = TensorScope.Begin();
        var student = Tensor.Randn([2, 4, 3]);
        var teacher = Tensor.Randn([2, 4, 3]);
        var masked = TokenMask.MaskedMean(HiddenStateTerms.SquaredError(student, teacher), Tensor.Ones([2, 4], DType.Bool)).ToDouble();
        Assert.Equal(HiddenStateTerms.MeanSquaredErrorOverAllElements(student, teacher).ToDouble(), masked, 1e-6);
    }

    [Fact]
    public void SquaredError_WithProjection_ComparesProjectedStudentStates()
    {
        using var scope = TensorScope.Begin();
        using var projection = new Linear(2, 3);
        using (TorchRuntime.NoGrad())
        {
            projection.Weight.CopyFrom(Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 1f], 3, 2));
            projection.Bias!.CopyFrom(Tensor.FromArray([0f, 0f, -1f], 3));
        }
        // [2, 5] projects to [2, 5, 6]; against [2, 5, 4] the squared errors are 0, 0, 4.
        var value = HiddenStateTerms.SquaredError(Tensor.FromArray([2f, 5f], 1, 2), Tensor.FromArray([2f, 5f, 4f], 1, 3), projection: projection).ToDouble();
        Assert.Equal(4 / 3.0, value, 1e-6);
    }

    [Fact]
    public void Terms_GarbageAtMaskedPositions_ChangeNeitherValuesNorGradients()
    {
        var random = new Random(6);
        var s = Reference.Random(random, 4 * 3, 1).Select(v => (float)v).ToArray();
        var t = Reference.Random(random, 4 * 3, 1).Select(v => (float)v).ToArray();
        bool[] mask = [true, false, true, false];
        var clean = Run(s, t);
        for (var j = 0; j < 3; j++)
        {
            s[3 + j] = 1e18f;
            t[9 + j] = -1e18f;
            s[9 + j] = 0f;
        }
        var dirty = Run(s, t);
        Assert.Equal(clean.Values, dirty.Values);
        Assert.Equal(clean.StudentGradients, dirty.StudentGradients);
        Assert.Equal(clean.ProjectionGradients, dirty.ProjectionGradients);
        foreach (var gradient in dirty.StudentGradients)
        {
            Assert.All(gradient.AsSpan(3, 3).ToArray().Concat(gradient.AsSpan(9, 3).ToArray()), g => Assert.Equal(0f, g));
        }

        (float[] Values, float[][] StudentGradients, float[][] ProjectionGradients) Run(float[] studentValues, float[] teacherValues)
        {
            using var scope = TensorScope.Begin();
            using var generator = new Generator(1);
            using var projection = new Linear(3, 3, generator: generator);
            var values = new float[2];
            var studentGradients = new float[2][];
            var projectionGradients = new float[2][];
            for (var i = 0; i < 2; i++)
            {
                Tensor.ZeroGrad(projection.Parameters().ToArray());
                var student = Tensor.FromArray(studentValues, 4, 3);
                student.RequiresGrad = true;
                var teacher = Tensor.FromArray(teacherValues, 4, 3);
                var m = Tensor.FromArray(mask, 4);
                var perToken = i == 0
                    ? HiddenStateTerms.SquaredError(student, teacher, m, projection)
                    : HiddenStateTerms.CosineDistance(student, teacher, m, projection);
                var loss = TokenMask.MaskedMean(perToken, m);
                loss.Backward();
                values[i] = loss.ToSingle();
                studentGradients[i] = student.Grad!.ToArray<float>();
                projectionGradients[i] = projection.Weight.Grad!.ToArray<float>();
            }
            return (values, studentGradients, projectionGradients);
        }
    }

    [Fact]
    public void Terms_Float64_GradientsMatchFiniteDifferences()
    {
        var random = new Random(8);
        var teacher = Reference.Random(random, 3 * 4, 1);
        bool[] mask = [true, true, false];
        GradientCheck.Input(Reference.Random(random, 3 * 4, 1), [3, 4], s =>
            TokenMask.MaskedMean(HiddenStateTerms.SquaredError(s, Tensor.FromArray(teacher, 3, 4), Tensor.FromArray(mask, 3)), Tensor.FromArray(mask, 3)));
        GradientCheck.Input(Reference.Random(random, 3 * 4, 1), [3, 4], s =>
            HiddenStateTerms.CosineDistance(s, Tensor.FromArray(teacher, 3, 4)).Sum());
        GradientCheck.Input(Reference.Random(random, 3 * 4, 1), [3, 4], s =>
            HiddenStateTerms.MeanSquaredErrorOverAllElements(s, Tensor.FromArray(teacher, 3, 4)));
    }

    [Fact]
    public void Terms_Float64_ProjectionGradientsMatchFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(2);
        using var projection = new Linear(3, 4, generator: generator);
        projection.To(Device.Cpu, DType.Float64);
        var random = new Random(9);
        var student = Tensor.FromArray(Reference.Random(random, 2 * 3, 1), 2, 3);
        var teacher = Tensor.FromArray(Reference.Random(random, 2 * 4, 1), 2, 4);
        foreach (var parameter in projection.Parameters())
        {
            GradientCheck.Parameter(parameter, () => HiddenStateTerms.SquaredError(student, teacher, projection: projection).Sum());
            GradientCheck.Parameter(parameter, () => HiddenStateTerms.CosineDistance(student, teacher, projection: projection).Sum());
        }
    }

    [Fact]
    public void CosineDistance_ZeroStudentState_HasFiniteGradient()
    {
        using var scope = TensorScope.Begin();
        var student = Tensor.Zeros([1, 3]);
        student.RequiresGrad = true;
        var value = HiddenStateTerms.CosineDistance(student, Tensor.FromArray([1f, 2f, 3f], 1, 3));
        value.Sum().Backward();
        Assert.Equal(1f, value.ToSingle());
        Assert.All(student.Grad!.ToArray<float>(), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void SquaredError_TeacherRequiresGrad_GetsNoGradient()
    {
        using var scope = TensorScope.Begin();
        var student = Tensor.Randn([2, 3]);
        var teacher = Tensor.Randn([2, 3]);
        student.RequiresGrad = true;
        teacher.RequiresGrad = true;
        HiddenStateTerms.SquaredError(student, teacher).Sum().Backward();
        Assert.Contains(student.Grad!.ToArray<float>(), g => g != 0);
        Assert.Null(teacher.Grad);
    }
}
