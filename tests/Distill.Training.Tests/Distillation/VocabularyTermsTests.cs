using Distill.Torch;
using Distill.Training.Distillation;

namespace Distill.Training.Tests.Distillation;

public sealed class VocabularyTermsTests
{
    // Student logits [0, 0] give q = [1/2, 1/2]; teacher logits [0, ln 3] give p = [1/4, 3/4].
    private static readonly float[] s_student = [0f, 0f];
    private static readonly float[] s_teacher = [0f, (float)Math.Log(3)];

    [Fact]
    public void ForwardKl_TwoClasses_MatchesHandComputedValue()
    {
        using var scope = TensorScope.Begin();
        var value = VocabularyTerms.ForwardKl(Tensor.FromArray(s_student, 1, 2), Tensor.FromArray(s_teacher, 1, 2)).ToArray<float>();
        var expected = 0.25 * Math.Log(0.25 / 0.5) + 0.75 * Math.Log(0.75 / 0.5);
        Assert.Single(value);
        Assert.Equal(expected, value[0], 1e-6);
    }

    [Fact]
    public void ReverseKl_TwoClasses_MatchesHandComputedValue()
    {
        using var scope = TensorScope.Begin();
        var value = VocabularyTerms.ReverseKl(Tensor.FromArray(s_student, 1, 2), Tensor.FromArray(s_teacher, 1, 2)).ToDouble();
        var expected = 0.5 * Math.Log(0.5 / 0.25) + 0.5 * Math.Log(0.5 / 0.75);
        Assert.Equal(expected, value, 1e-6);
    }

    [Fact]
    public void CrossEntropy_TwoTokens_MatchesHandComputedValues()
    {
        using var scope = TensorScope.Begin();
        // Row 0: logits [0, ln 3] → q = [1/4, 3/4], target 1. Row 1: logits [ln 2, 0, 0] would need V = 3; use [2, 0] → target 0.
        var logits = Tensor.FromArray([0f, (float)Math.Log(3), 2f, 0f], 2, 2);
        var values = VocabularyTerms.CrossEntropy(logits, Tensor.FromArray([1L, 0L], 2)).ToArray<float>();
        Assert.Equal(-Math.Log(0.75), values[0], 1e-6);
        Assert.Equal(-Math.Log(Math.Exp(2) / (Math.Exp(2) + 1)), values[1], 1e-6);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(0.5)]
    public void ForwardAndReverseKl_RandomLogits_MatchLonghandWithTemperatureSquared(double temperature)
    {
        using var scope = TensorScope.Begin();
        var random = new Random(7);
        const int Rows = 5, Vocabulary = 11;
        var s = Reference.Random(random, Rows * Vocabulary, 4);
        var t = Reference.Random(random, Rows * Vocabulary, 4);
        var student = Tensor.FromArray(s.Select(v => (float)v).ToArray(), Rows, Vocabulary);
        var teacher = Tensor.FromArray(t.Select(v => (float)v).ToArray(), Rows, Vocabulary);
        var forward = VocabularyTerms.ForwardKl(student, teacher, temperature).ToArray<float>();
        var reverse = VocabularyTerms.ReverseKl(student, teacher, temperature).ToArray<float>();
        for (var r = 0; r < Rows; r++)
        {
            var sr = Reference.Row(s, r, Vocabulary).Select(v => (double)(float)v).ToArray();
            var tr = Reference.Row(t, r, Vocabulary).Select(v => (double)(float)v).ToArray();
            Assert.Equal(Reference.ForwardKl(sr, tr, temperature), forward[r], 1e-5);
            Assert.Equal(Reference.ReverseKl(sr, tr, temperature), reverse[r], 1e-5);
            // The T² factor: the tempered KL itself, without it, is T² times smaller.
            Assert.Equal(temperature * temperature * Reference.Kl(Reference.Softmax(tr, temperature), Reference.Softmax(sr, temperature)), forward[r], 1e-5);
        }
    }

    [Fact]
    public void ForwardKl_Temperature_ScalesTemperedKlByTemperatureSquared()
    {
        using var scope = TensorScope.Begin();
        var random = new Random(3);
        var s = Reference.Random(random, 12, 3).Select(v => (float)v).ToArray();
        var t = Reference.Random(random, 12, 3).Select(v => (float)v).ToArray();
        var atTwo = VocabularyTerms.ForwardKl(Tensor.FromArray(s, 2, 6), Tensor.FromArray(t, 2, 6), 2).ToArray<float>();
        var halvedAtOne = VocabularyTerms.ForwardKl(Tensor.FromArray(s, 2, 6) / 2, Tensor.FromArray(t, 2, 6) / 2).ToArray<float>();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(4 * halvedAtOne[i], atTwo[i], 1e-5);
        }
    }

    [Fact]
    public void Terms_StudentEqualsTeacher_AreZero()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.FromArray(Reference.Random(new Random(1), 3 * 9, 20).Select(v => (float)v).ToArray(), 3, 9);
        foreach (var value in VocabularyTerms.ForwardKl(logits, logits, 2).ToArray<float>()
            .Concat(VocabularyTerms.ReverseKl(logits, logits, 0.7).ToArray<float>()))
        {
            Assert.Equal(0, value, 1e-6);
        }
    }

    [Fact]
    public void ForwardKl_TeacherRequiresGrad_GradientReachesOnlyTheStudent()
    {
        using var scope = TensorScope.Begin();
        var random = new Random(5);
        var student = Tensor.FromArray(Reference.Random(random, 8, 2).Select(v => (float)v).ToArray(), 2, 4);
        var teacher = Tensor.FromArray(Reference.Random(random, 8, 2).Select(v => (float)v).ToArray(), 2, 4);
        student.RequiresGrad = true;
        teacher.RequiresGrad = true;
        (VocabularyTerms.ForwardKl(student, teacher, 2).Sum() + VocabularyTerms.ReverseKl(student, teacher).Sum()).Backward();
        Assert.Contains(student.Grad!.ToArray<float>(), g => g != 0);
        Assert.Null(teacher.Grad);
    }

    [Fact]
    public void ForwardKl_BFloat16Logits_ComputesInFloat32()
    {
        using var scope = TensorScope.Begin();
        var student = Tensor.FromArray(s_student, 1, 2).To(DType.BFloat16);
        var teacher = Tensor.FromArray(s_teacher, 1, 2).To(DType.BFloat16);
        var value = VocabularyTerms.ForwardKl(student, teacher);
        Assert.Equal(DType.Float32, value.DType);
    }

    [Fact]
    public void Terms_GarbageAtMaskedPositions_ChangeNeitherValuesNorGradients()
    {
        var mask = new[] { true, false, true, false };
        var targets = new long[] { 2, -100, 1, 4 };
        var random = new Random(11);
        var s = Reference.Random(random, 4 * 5, 3).Select(v => (float)v).ToArray();
        var t = Reference.Random(random, 4 * 5, 3).Select(v => (float)v).ToArray();
        var clean = Run(s, t);
        for (var row = 0; row < 4; row++)
        {
            if (!mask[row])
            {
                for (var v = 0; v < 5; v++)
                {
                    s[row * 5 + v] = v % 2 == 0 ? 3e6f : -2e6f;
                    t[row * 5 + v] = v % 2 == 0 ? -1e6f : 5e6f;
                }
            }
        }
        var dirty = Run(s, t);
        for (var term = 0; term < clean.Values.Length; term++)
        {
            Assert.Equal(clean.Values[term], dirty.Values[term]);
            Assert.Equal(clean.Gradients[term], dirty.Gradients[term]);
            for (var row = 0; row < 4; row++)
            {
                if (!mask[row])
                {
                    Assert.All(dirty.Gradients[term].AsSpan(row * 5, 5).ToArray(), g => Assert.Equal(0f, g));
                }
            }
        }

        (float[] Values, float[][] Gradients) Run(float[] studentValues, float[] teacherValues)
        {
            using var scope = TensorScope.Begin();
            var maskTensor = Tensor.FromArray(mask, 4);
            var targetTensor = Tensor.FromArray(targets, 4);
            Func<Tensor, Tensor, Tensor>[] terms =
            [
                (s, t) => VocabularyTerms.ForwardKl(s, t, 2, maskTensor),
                (s, t) => VocabularyTerms.ReverseKl(s, t, 1, maskTensor),
                (s, _) => VocabularyTerms.CrossEntropy(s, targetTensor, maskTensor),
            ];
            var values = new float[terms.Length];
            var gradients = new float[terms.Length][];
            for (var i = 0; i < terms.Length; i++)
            {
                var student = Tensor.FromArray(studentValues, 4, 5);
                student.RequiresGrad = true;
                var perToken = terms[i](student, Tensor.FromArray(teacherValues, 4, 5));
                var total = perToken.Sum();
                total.Backward();
                values[i] = total.ToSingle();
                gradients[i] = student.Grad!.ToArray<float>();
                var perTokenValues = perToken.ToArray<float>();
                Assert.Equal(0f, perTokenValues[1]);
                Assert.Equal(0f, perTokenValues[3]);
            }
            return (values, gradients);
        }
    }

    [Fact]
    public void CrossEntropy_IgnoreIndexWithoutMask_CountsAsMasked()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var values = VocabularyTerms.CrossEntropy(logits, Tensor.FromArray([-100L, 1L], 2)).ToArray<float>();
        Assert.Equal(0f, values[0]);
        Assert.Equal(Math.Log(1 + Math.Exp(-1)), values[1], 1e-6);
    }

    [Fact]
    public void Terms_SummedOverSequenceChunks_EqualTheUnchunkedSum()
    {
        using var scope = TensorScope.Begin();
        const int Batch = 2, Length = 7, Vocabulary = 13;
        var random = new Random(21);
        var student = Tensor.FromArray(Reference.Random(random, Batch * Length * Vocabulary, 5).Select(v => (float)v).ToArray(), Batch, Length, Vocabulary);
        var teacher = Tensor.FromArray(Reference.Random(random, Batch * Length * Vocabulary, 5).Select(v => (float)v).ToArray(), Batch, Length, Vocabulary);
        using var generator = new Generator(4);
        var targets = Tensor.RandInt(0, Vocabulary, [Batch, Length], generator);
        var mask = Tensor.FromArray(new[] { true, true, false, true, true, true, false, false, true, true, true, false, true, true }, Batch, Length);
        Func<Tensor, Tensor, Tensor, Tensor, Tensor>[] terms =
        [
            (s, t, g, m) => VocabularyTerms.ForwardKl(s, t, 2, m),
            (s, t, g, m) => VocabularyTerms.ReverseKl(s, t, 1.5, m),
            (s, t, g, m) => VocabularyTerms.CrossEntropy(s, g, m),
        ];
        foreach (var term in terms)
        {
            var whole = term(student, teacher, targets, mask).Sum().ToDouble();
            var chunked = 0.0;
            foreach (var (start, length) in new[] { (0L, 3L), (3L, 3L), (6L, 1L) })
            {
                chunked += term(student.Narrow(1, start, length), teacher.Narrow(1, start, length), targets.Narrow(1, start, length),
                    mask.Narrow(1, start, length)).Sum().ToDouble();
            }
            Assert.Equal(whole, chunked, 1e-4);
        }
    }

    [Fact]
    public void ForwardKl_Float64_GradientMatchesFiniteDifferences()
    {
        var random = new Random(2);
        var teacher = Reference.Random(random, 12, 2);
        var mask = new[] { true, false, true };
        GradientCheck.Input(Reference.Random(random, 12, 2), [3, 4], s =>
            VocabularyTerms.ForwardKl(s, Tensor.FromArray(teacher, 3, 4), 2, Tensor.FromArray(mask, 3)).Sum());
    }

    [Fact]
    public void ReverseKl_Float64_GradientMatchesFiniteDifferences()
    {
        var random = new Random(3);
        var teacher = Reference.Random(random, 12, 2);
        GradientCheck.Input(Reference.Random(random, 12, 2), [3, 4], s =>
            VocabularyTerms.ReverseKl(s, Tensor.FromArray(teacher, 3, 4), 1.5).Sum());
    }

    [Fact]
    public void CrossEntropy_Float64_GradientMatchesFiniteDifferences()
    {
        GradientCheck.Input(Reference.Random(new Random(4), 12, 2), [3, 4], s =>
            VocabularyTerms.CrossEntropy(s, Tensor.FromArray([3L, -100L, 0L], 3)).Sum());
    }

    [Fact]
    public void ForwardKl_DifferentVocabularies_ThrowsNamingBoth()
    {
        using var scope = TensorScope.Begin();
        var error = Assert.Throws<ArgumentException>(() => VocabularyTerms.ForwardKl(Tensor.Zeros([2, 5]), Tensor.Zeros([2, 6])));
        Assert.Contains("(5)", error.Message, StringComparison.Ordinal);
        Assert.Contains("(6)", error.Message, StringComparison.Ordinal);
    }
}
