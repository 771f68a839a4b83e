using Distill.Torch;
using Distill.Training.Distillation;

namespace Distill.Training.Tests.Distillation;

public sealed class AttentionTermsTests
{
    [Fact]
    public void RowKl_CausalRows_MatchesHandComputedValues()
    {
        using var scope = TensorScope.Begin();
        // One batch, one head, T = 2: row 0 sees only key 0 (both 1), row 1 splits over keys 0 and 1.
        var teacher = Tensor.FromArray([1f, 0f, 0.25f, 0.75f], 1, 1, 2, 2);
        var student = Tensor.FromArray([1f, 0f, 0.5f, 0.5f], 1, 1, 2, 2);
        var values = AttentionTerms.RowKl(teacher, student).ToArray<float>();
        Assert.Equal(0.0, values[0], 1e-7);
        Assert.Equal(0.25 * Math.Log(0.25 / 0.5) + 0.75 * Math.Log(0.75 / 0.5), values[1], 1e-6);
    }

    [Fact]
    public void RowKl_FourTeacherHeadsTwoStudentHeads_ComparesWithMeansOfConsecutivePairs()
    {
        using var scope = TensorScope.Begin();
        // One query row over two keys per head. Teacher heads 0,1 average to [0.5, 0.5]; heads 2,3 to [0.2, 0.8].
        var teacher = Tensor.FromArray([0.6f, 0.4f, 0.4f, 0.6f, 0.1f, 0.9f, 0.3f, 0.7f], 1, 4, 1, 2);
        var student = Tensor.FromArray([0.5f, 0.5f, 0.4f, 0.6f], 1, 2, 1, 2);
        var value = AttentionTerms.RowKl(teacher, student).ToDouble();
        var head0 = 0.0;  // [0.5, 0.5] against [0.5, 0.5]
        var head1 = 0.2 * Math.Log(0.2 / 0.4) + 0.8 * Math.Log(0.8 / 0.6);
        Assert.Equal((head0 + head1) / 2, value, 1e-6);
    }

    [Fact]
    public void RowKl_HeadCountsThatDoNotDivide_ComparesHeadMeans()
    {
        using var scope = TensorScope.Begin();
        // Three teacher heads average to [0.4, 0.6]; two student heads average to [0.5, 0.5].
        var teacher = Tensor.FromArray([0.3f, 0.7f, 0.5f, 0.5f, 0.4f, 0.6f], 1, 3, 1, 2);
        var student = Tensor.FromArray([0.8f, 0.2f, 0.2f, 0.8f], 1, 2, 1, 2);
        var value = AttentionTerms.RowKl(teacher, student).ToDouble();
        Assert.Equal(0.4 * Math.Log(0.4 / 0.5) + 0.6 * Math.Log(0.6 / 0.5), value, 1e-6);
    }

    [Fact]
    public void RowKl_StudentEqualsTeacher_IsZero()
    {
        using var scope = TensorScope.Begin();
        var attention = CausalSoftmax(Tensor.Randn([2, 3, 4, 4]));
        Assert.All(AttentionTerms.RowKl(attention, attention).ToArray<float>(), v => Assert.Equal(0, v, 1e-6));
    }

    [Fact]
    public void RowKl_StudentZeroWhereTeacherIsNot_StaysFinite()
    {
        using var scope = TensorScope.Begin();
        var teacher = Tensor.FromArray([0.5f, 0.5f], 1, 1, 1, 2);
        var student = Tensor.FromArray([1f, 0f], 1, 1, 1, 2);
        student.RequiresGrad = true;
        var value = AttentionTerms.RowKl(teacher, student);
        value.Sum().Backward();
        Assert.True(float.IsFinite(value.ToSingle()) && value.ToSingle() > 40);
        Assert.All(student.Grad!.ToArray<float>(), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void RowKl_Float64_GradientThroughCausalSoftmaxMatchesFiniteDifferences()
    {
        var random = new Random(4);
        using (TensorScope.Begin())
        {
            var teacherScores = Reference.Random(random, 2 * 4 * 3 * 3, 2);
            var teacher = CausalSoftmax(Tensor.FromArray(teacherScores, 2, 4, 3, 3)).ToArray<double>();
            bool[] queries = [true, true, false, true, false, true];
            // The student's causal zeros sit exactly where the teacher's do: the 0·log 0 entries must add no NaN.
            GradientCheck.Input(Reference.Random(random, 2 * 2 * 3 * 3, 2), [2, 2, 3, 3], scores =>
                AttentionTerms.RowKl(Tensor.FromArray(teacher, 2, 4, 3, 3), CausalSoftmax(scores), Tensor.FromArray(queries, 2, 3)).Sum());
        }
    }

    [Fact]
    public void RowKl_GarbageInMaskedQueryRows_ChangesNeitherValuesNorGradients()
    {
        var random = new Random(5);
        var t = Reference.Random(random, 2 * 2 * 3 * 3, 2).Select(v => (float)v).ToArray();
        var s = Reference.Random(random, 2 * 2 * 3 * 3, 2).Select(v => (float)v).ToArray();
        bool[] queries = [true, false, true, true, true, false];
        var clean = Run(s, t, garbage: false);
        var dirty = Run(s, t, garbage: true);
        Assert.Equal(clean.Value, dirty.Value);
        Assert.Equal(clean.Gradient, dirty.Gradient);
        // Masked query rows (b=0,τ=1 and b=1,τ=2) get exactly zero gradient in every head.
        for (var head = 0; head < 2; head++)
        {
            Assert.All(dirty.Gradient.AsSpan(((0 * 2 + head) * 3 + 1) * 3, 3).ToArray(), g => Assert.Equal(0f, g));
            Assert.All(dirty.Gradient.AsSpan(((1 * 2 + head) * 3 + 2) * 3, 3).ToArray(), g => Assert.Equal(0f, g));
        }

        (float Value, float[] Gradient) Run(float[] studentScores, float[] teacherScores, bool garbage)
        {
            using var scope = TensorScope.Begin();
            var teacher = CausalSoftmax(Tensor.FromArray(teacherScores, 2, 2, 3, 3));
            var student = CausalSoftmax(Tensor.FromArray(studentScores, 2, 2, 3, 3)).Detach();
            if (garbage)
            {
                var rows = Tensor.FromArray(queries, 2, 3).LogicalNot().Unsqueeze(1).Unsqueeze(-1);
                teacher = teacher.MaskedFill(rows, 7e5);
                student = student.MaskedFill(rows, 3e5);
            }
            student.RequiresGrad = true;
            var loss = AttentionTerms.RowKl(teacher, student, Tensor.FromArray(queries, 2, 3)).Sum();
            loss.Backward();
            return (loss.ToSingle(), student.Grad!.ToArray<float>());
        }
    }

    [Fact]
    public void RowKl_TeacherRequiresGrad_GetsNoGradient()
    {
        using var scope = TensorScope.Begin();
        var teacherScores = Tensor.Randn([1, 2, 3, 3]);
        teacherScores.RequiresGrad = true;
        var studentScores = Tensor.Randn([1, 2, 3, 3]);
        studentScores.RequiresGrad = true;
        AttentionTerms.RowKl(CausalSoftmax(teacherScores), CausalSoftmax(studentScores)).Sum().Backward();
        Assert.Null(teacherScores.Grad);
        Assert.Contains(studentScores.Grad!.ToArray<float>(), g => g != 0);
    }

    [Fact]
    public void RowKl_WrongRank_ThrowsNamingTheShape()
    {
        using var scope = TensorScope.Begin();
        var error = Assert.Throws<ArgumentException>(() => AttentionTerms.RowKl(Tensor.Zeros([2, 3, 3]), Tensor.Zeros([1, 2, 3, 3])));
        Assert.Contains("[2, 3, 3]", error.Message, StringComparison.Ordinal);
    }

    private static Tensor CausalSoftmax(Tensor scores)
    {
        var length = scores.Size(-1);
        var future = Tensor.Ones([length, length], DType.Float32).Triu(1).Ne(0);
        return scores.MaskedFill(future, double.NegativeInfinity).Softmax(-1);
    }
}
