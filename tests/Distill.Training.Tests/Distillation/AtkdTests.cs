using Distill.Contracts.Methods;
using Distill.Torch;
using Distill.Training.Distillation;

namespace Distill.Training.Tests.Distillation;

public sealed class AtkdTests
{
    [Theory]
    [InlineData(2, 3.0)]
    [InlineData(3, 3.0)]
    [InlineData(17, 5.0)]
    [InlineData(1000, 8.0)]
    [InlineData(50, 60.0)]
    [InlineData(50, 200.0)]
    public void Parts_RandomLogits_TkdPlusUncertaintyTimesDkdIsForwardKl(int vocabulary, double scale)
    {
        using var scope = TensorScope.Begin();
        const int Rows = 6;
        var random = new Random(vocabulary + (int)scale);
        var s = Reference.Random(random, Rows * vocabulary, scale).Select(v => (float)v).ToArray();
        var t = Reference.Random(random, Rows * vocabulary, scale).Select(v => (float)v).ToArray();
        // Make some targets the teacher's (near-)certain choice, the regime where 1 − p_g underflows in a naive form.
        var targets = Enumerable.Range(0, Rows).Select(r => (long)random.Next(vocabulary)).ToArray();
        t[targets[0]] += (float)(4 * scale);
        var student = Tensor.FromArray(s, Rows, vocabulary);
        var teacher = Tensor.FromArray(t, Rows, vocabulary);
        var parts = Atkd.Parts(student, teacher, Tensor.FromArray(targets, Rows));
        var tkd = parts.Tkd.ToArray<float>();
        var dkd = parts.Dkd.ToArray<float>();
        var unc = parts.Uncertainty.ToArray<float>();
        var kl = VocabularyTerms.ForwardKl(student, teacher).ToArray<float>();
        for (var r = 0; r < Rows; r++)
        {
            Assert.True(float.IsFinite(tkd[r]) && float.IsFinite(dkd[r]), $"row {r}: TKD {tkd[r]}, DKD {dkd[r]}");
            // 1e-5 absolute below 1, relative above: in fp32 a KL of 43 (extreme logits) has an ulp of 4e-6.
            Assert.Equal(kl[r], tkd[r] + unc[r] * dkd[r], 1e-5 * (1 + Math.Abs(kl[r])));
            var expectedKl = Reference.ForwardKl(
                Reference.Row(s.Select(v => (double)v).ToArray(), r, vocabulary), Reference.Row(t.Select(v => (double)v).ToArray(), r, vocabulary));
            Assert.Equal(expectedKl, tkd[r] + unc[r] * dkd[r], 1e-5 * (1 + Math.Abs(expectedKl)));
        }
    }

    [Fact]
    public void Parts_Float64ExtremeLogits_DecompositionIsExact()
    {
        using var scope = TensorScope.Begin();
        const int Rows = 4, Vocabulary = 50;
        var random = new Random(77);
        var s = Reference.Random(random, Rows * Vocabulary, 200);
        var t = Reference.Random(random, Rows * Vocabulary, 200);
        long[] targets = [3, 49, 0, 17];
        var student = Tensor.FromArray(s, Rows, Vocabulary);
        var teacher = Tensor.FromArray(t, Rows, Vocabulary);
        var parts = Atkd.Parts(student, teacher, Tensor.FromArray(targets, Rows));
        var decomposed = (parts.Tkd + parts.Uncertainty * parts.Dkd).ToArray<double>();
        var kl = VocabularyTerms.ForwardKl(student, teacher).ToArray<double>();
        for (var r = 0; r < Rows; r++)
        {
            Assert.Equal(kl[r], decomposed[r], 1e-9 * (1 + Math.Abs(kl[r])));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parts_BothSettings_MatchTheDefinitions(bool reverse)
    {
        using var scope = TensorScope.Begin();
        const int Rows = 4, Vocabulary = 7;
        var random = new Random(reverse ? 1 : 2);
        var s = Reference.Random(random, Rows * Vocabulary, 3);
        var t = Reference.Random(random, Rows * Vocabulary, 3);
        long[] targets = [0, 6, 3, 3];
        var parts = Atkd.Parts(Tensor.FromArray(s, Rows, Vocabulary), Tensor.FromArray(t, Rows, Vocabulary), Tensor.FromArray(targets, Rows),
            reverse ? AtkdSetting.Reverse : AtkdSetting.Forward);
        var tkd = parts.Tkd.ToArray<double>();
        var dkd = parts.Dkd.ToArray<double>();
        var unc = parts.Uncertainty.ToArray<double>();
        for (var r = 0; r < Rows; r++)
        {
            var expected = Reference.Atkd(Reference.Row(s, r, Vocabulary), Reference.Row(t, r, Vocabulary), (int)targets[r], reverse);
            Assert.Equal(expected.Tkd, tkd[r], 1e-12);
            Assert.Equal(expected.Dkd, dkd[r], 1e-12);
            // Still the teacher's uncertainty in the reverse setting.
            Assert.Equal(expected.Uncertainty, unc[r], 1e-12);
        }
    }

    [Fact]
    public void Parts_ReverseSetting_TkdPlusStudentUncertaintyTimesDkdIsReverseKl()
    {
        using var scope = TensorScope.Begin();
        var random = new Random(9);
        var s = Reference.Random(random, 3 * 20, 4).Select(v => (float)v).ToArray();
        var t = Reference.Random(random, 3 * 20, 4).Select(v => (float)v).ToArray();
        var student = Tensor.FromArray(s, 3, 20);
        var teacher = Tensor.FromArray(t, 3, 20);
        var targets = Tensor.FromArray([5L, 0L, 19L], 3);
        var parts = Atkd.Parts(student, teacher, targets, AtkdSetting.Reverse);
        var studentUncertainty = (1 - student.Softmax(-1).Gather(-1, targets.Unsqueeze(-1)).Squeeze(-1)).ToArray<float>();
        var reverse = VocabularyTerms.ReverseKl(student, teacher).ToArray<float>();
        var tkd = parts.Tkd.ToArray<float>();
        var dkd = parts.Dkd.ToArray<float>();
        for (var r = 0; r < 3; r++)
        {
            Assert.Equal(reverse[r], tkd[r] + studentUncertainty[r] * dkd[r], 1e-5);
        }
    }

    [Fact]
    public void Parts_StudentEqualsTeacher_AreZero()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.FromArray(Reference.Random(new Random(4), 3 * 8, 10).Select(v => (float)v).ToArray(), 3, 8);
        var targets = Tensor.FromArray([1L, 7L, 0L], 3);
        foreach (var setting in new[] { AtkdSetting.Forward, AtkdSetting.Reverse })
        {
            var parts = Atkd.Parts(logits, logits, targets, setting);
            Assert.All(parts.Tkd.ToArray<float>(), v => Assert.Equal(0, v, 1e-6));
            Assert.All(parts.Dkd.ToArray<float>(), v => Assert.Equal(0, v, 1e-6));
        }
    }

    [Fact]
    public void Split_HandWorkedBatchWithTiesAndMaskedToken_GivesTheExpectedGroups()
    {
        using var scope = TensorScope.Begin();
        // Valid UnC: 0.9 0.1 0.5 0.5 | 0.3 0.5 0.7; the 9.0 is masked. Sorted: 0.1 0.3 0.5 0.5 0.5 0.7 0.9, n = 7,
        // r = ⌈0.5·7⌉ = 4, θ = 0.5; hard = UnC ≥ 0.5 (the three tied 0.5s included), easy = 0.1 and 0.3.
        var uncertainty = Tensor.FromArray([0.9f, 0.1f, 0.5f, 0.5f, 0.3f, 0.5f, 0.7f, 9.0f], 2, 4);
        var mask = Tensor.FromArray([true, true, true, true, true, true, true, false], 2, 4);
        var split = AtkdSplit.Create(uncertainty, mask);
        Assert.Equal(0.5, split.Threshold);
        Assert.Equal(7, split.ValidCount);
        Assert.Equal(5, split.HardCount);
        Assert.Equal(2, split.EasyCount);
        Assert.Equal([true, false, true, true, false, true, true, false], split.Hard.ToArray<bool>());
        Assert.Equal([false, true, false, false, true, false, false, false], split.Easy.ToArray<bool>());

        // k = 0.25: r = ⌈0.75·7⌉ = 6, θ = 0.7; hard = 0.9 and 0.7.
        var quarter = AtkdSplit.Create(uncertainty, mask, 0.25);
        Assert.Equal(0.7f, (float)quarter.Threshold);
        Assert.Equal([true, false, false, false, false, false, true, false], quarter.Hard.ToArray<bool>());
        Assert.Equal(5, quarter.EasyCount);
    }

    [Fact]
    public void Split_EvenCountWithoutTies_UsesTheLowerMedianLikeTorchMedian()
    {
        using var scope = TensorScope.Begin();
        // Sorted 0.1 0.2 0.3 0.4: the lower median is 0.2, so three tokens are hard.
        var split = AtkdSplit.Create(Tensor.FromArray([0.4f, 0.1f, 0.3f, 0.2f], 4), Tensor.Ones([4], DType.Bool));
        Assert.Equal(0.2f, (float)split.Threshold);
        Assert.Equal([true, false, true, true], split.Hard.ToArray<bool>());
        Assert.Equal([false, true, false, false], split.Easy.ToArray<bool>());
    }

    [Theory]
    [InlineData(4, 0.5, 2)]
    [InlineData(5, 0.5, 3)]
    [InlineData(1, 0.5, 1)]
    [InlineData(10, 0.3, 7)]
    [InlineData(10, 0.7, 3)]
    [InlineData(10, 0.99, 1)]
    [InlineData(10, 0.01, 10)]
    public void ThresholdRank_CountAndFraction_IsTheCeilingOfTheComplement(long count, double fraction, long expected) =>
        Assert.Equal(expected, AtkdSplit.ThresholdRank(count, fraction));

    [Fact]
    public void GroupLoss_HandWorkedBatch_MatchesLonghandGroupMeans()
    {
        using var scope = TensorScope.Begin();
        const int Rows = 5, Vocabulary = 6;
        var random = new Random(31);
        var s = Reference.Random(random, Rows * Vocabulary, 2);
        var t = Reference.Random(random, Rows * Vocabulary, 2);
        long[] targets = [0, 1, 2, 3, -100];
        var loss = Atkd.Loss(Tensor.FromArray(s, Rows, Vocabulary), Tensor.FromArray(t, Rows, Vocabulary), Tensor.FromArray(targets, Rows), lambda: 0.2)
            .ToDouble();

        var rows = Enumerable.Range(0, 4)
            .Select(r => Reference.Atkd(Reference.Row(s, r, Vocabulary), Reference.Row(t, r, Vocabulary), (int)targets[r], reverse: false))
            .ToArray();
        var sorted = rows.Select(x => x.Uncertainty).Order().ToArray();
        var theta = sorted[1];  // n = 4, r = ⌈4/2⌉ = 2
        var hard = rows.Where(x => x.Uncertainty >= theta).ToArray();
        var easy = rows.Where(x => x.Uncertainty < theta).ToArray();
        Assert.Equal(3, hard.Length);
        var expected = 0.2 * easy.Average(x => x.Dkd) + 0.8 * hard.Average(x => x.Tkd + x.Dkd);
        Assert.Equal(expected, loss, 1e-12);
    }

    [Fact]
    public void GroupLoss_EmptyEasyGroupAndNoValidToken_AreFinite()
    {
        using var scope = TensorScope.Begin();
        var student = Tensor.FromArray(Reference.Random(new Random(2), 12, 2), 3, 4);
        student.RequiresGrad = true;
        // Identical teacher rows and targets: every uncertainty ties, so all tokens are hard and the easy group is empty.
        var teacher = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0], 3, 4);
        var targets = Tensor.FromArray([2L, 2L, 2L], 3);
        var parts = Atkd.Parts(student, teacher, targets);
        var split = AtkdSplit.Create(parts.Uncertainty, Tensor.Ones([3], DType.Bool));
        Assert.Equal(0, split.EasyCount);
        var allHard = Atkd.GroupLoss(parts, split, 0.2);
        var expected = 0.8 * (parts.Tkd + parts.Dkd).Mean().ToDouble();
        Assert.Equal(expected, allHard.ToDouble(), 1e-12);

        var none = Atkd.Loss(student, teacher, Tensor.FromArray([-100L, -100L, -100L], 3));
        Assert.Equal(0, none.ToDouble());
        none.Backward();
        Assert.All(student.Grad!.ToArray<double>(), g => Assert.Equal(0, g));
    }

    [Theory]
    [InlineData(AtkdSetting.Forward)]
    [InlineData(AtkdSetting.Reverse)]
    public void Loss_TeacherRequiresGrad_GradientReachesOnlyTheStudent(AtkdSetting setting)
    {
        using var scope = TensorScope.Begin();
        var random = new Random(8);
        var student = Tensor.FromArray(Reference.Random(random, 6 * 5, 2).Select(v => (float)v).ToArray(), 6, 5);
        var teacher = Tensor.FromArray(Reference.Random(random, 6 * 5, 2).Select(v => (float)v).ToArray(), 6, 5);
        student.RequiresGrad = true;
        teacher.RequiresGrad = true;
        var targets = Tensor.FromArray([0L, 1L, 2L, 3L, 4L, 0L], 6);
        Atkd.Loss(student, teacher, targets, setting: setting).Backward();
        Assert.Contains(student.Grad!.ToArray<float>(), g => g != 0);
        Assert.Null(teacher.Grad);
        Assert.False(Atkd.TeacherUncertainty(teacher, targets).RequiresGrad);
    }

    [Theory]
    [InlineData(AtkdSetting.Forward)]
    [InlineData(AtkdSetting.Reverse)]
    public void Loss_Float64_GradientMatchesFiniteDifferences(AtkdSetting setting)
    {
        var random = new Random(12);
        var teacher = Reference.Random(random, 5 * 4, 2);
        long[] targets = [0, 3, 1, -100, 2];
        GradientCheck.Input(Reference.Random(random, 5 * 4, 2), [5, 4], s =>
            Atkd.Loss(s, Tensor.FromArray(teacher, 5, 4), Tensor.FromArray(targets, 5), lambda: 0.3, setting: setting));
    }

    [Theory]
    [InlineData(AtkdSetting.Forward)]
    [InlineData(AtkdSetting.Reverse)]
    public void Parts_Float64_GradientsOfTkdAndDkdMatchFiniteDifferences(AtkdSetting setting)
    {
        var random = new Random(13);
        var teacher = Reference.Random(random, 3 * 5, 3);
        var targets = new long[] { 4, 0, 2 };
        GradientCheck.Input(Reference.Random(random, 3 * 5, 3), [3, 5], s =>
            Atkd.Parts(s, Tensor.FromArray(teacher, 3, 5), Tensor.FromArray(targets, 3), setting).Tkd.Sum());
        GradientCheck.Input(Reference.Random(random, 3 * 5, 3), [3, 5], s =>
            Atkd.Parts(s, Tensor.FromArray(teacher, 3, 5), Tensor.FromArray(targets, 3), setting).Dkd.Sum());
    }

    [Fact]
    public void Loss_TwoPhasesOverSequenceChunks_EqualsTheWholeBatch()
    {
        using var scope = TensorScope.Begin();
        const int Batch = 2, Length = 9, Vocabulary = 11;
        var random = new Random(40);
        var student = Tensor.FromArray(Reference.Random(random, Batch * Length * Vocabulary, 4).Select(v => (float)v).ToArray(), Batch, Length, Vocabulary);
        var teacher = Tensor.FromArray(Reference.Random(random, Batch * Length * Vocabulary, 4).Select(v => (float)v).ToArray(), Batch, Length, Vocabulary);
        var targetValues = Enumerable.Range(0, Batch * Length).Select(i => i % 5 == 2 ? -100L : random.Next(Vocabulary)).ToArray();
        var targets = Tensor.FromArray(targetValues, Batch, Length);
        var mask = TokenMask.FromTargets(targets);
        foreach (var setting in new[] { AtkdSetting.Forward, AtkdSetting.Reverse })
        {
            var whole = Atkd.Loss(student, teacher, targets, mask, 0.2, 0.5, setting).ToDouble();

            (long Start, long Length)[] chunks = [(0, 4), (4, 4), (8, 1)];
            // Phase 1: the teacher's uncertainty, chunk by chunk, then one split over the micro-batch.
            var uncertainty = Tensor.Cat(chunks.Select(c => Atkd.TeacherUncertainty(teacher.Narrow(1, c.Start, c.Length), targets.Narrow(1, c.Start, c.Length),
                mask.Narrow(1, c.Start, c.Length))).ToArray(), 1);
            var split = AtkdSplit.Create(uncertainty, mask);
            // Phase 2: each chunk's share of the group loss.
            var chunked = 0.0;
            foreach (var (start, length) in chunks)
            {
                var parts = Atkd.Parts(student.Narrow(1, start, length), teacher.Narrow(1, start, length), targets.Narrow(1, start, length), setting,
                    mask.Narrow(1, start, length));
                chunked += Atkd.GroupLoss(parts, split.Chunk(1, start, length), 0.2).ToDouble();
            }
            Assert.Equal(whole, chunked, 1e-5);
        }
    }

    [Fact]
    public void Loss_GarbageAtMaskedPositions_ChangesNeitherValueNorGradients()
    {
        var random = new Random(50);
        var s = Reference.Random(random, 6 * 5, 3).Select(v => (float)v).ToArray();
        var t = Reference.Random(random, 6 * 5, 3).Select(v => (float)v).ToArray();
        long[] targets = [1, -100, 3, 0, 4, 2];
        bool[] mask = [true, true, true, false, true, true];
        var clean = Run(s, t);
        foreach (var row in new[] { 1, 3 })
        {
            for (var v = 0; v < 5; v++)
            {
                s[row * 5 + v] = v == 0 ? 4e6f : -3e6f;
                t[row * 5 + v] = v == 4 ? 2e6f : -5e6f;
            }
        }
        var dirty = Run(s, t);
        Assert.Equal(clean.Value, dirty.Value);
        Assert.Equal(clean.Gradient, dirty.Gradient);
        Assert.All(dirty.Gradient.AsSpan(5, 5).ToArray(), g => Assert.Equal(0f, g));
        Assert.All(dirty.Gradient.AsSpan(15, 5).ToArray(), g => Assert.Equal(0f, g));

        (float Value, float[] Gradient) Run(float[] studentValues, float[] teacherValues)
        {
            using var scope = TensorScope.Begin();
            var student = Tensor.FromArray(studentValues, 6, 5);
            student.RequiresGrad = true;
            var loss = Atkd.Loss(student, Tensor.FromArray(teacherValues, 6, 5), Tensor.FromArray(targets, 6), Tensor.FromArray(mask, 6));
            loss.Backward();
            return (loss.ToSingle(), student.Grad!.ToArray<float>());
        }
    }
}
