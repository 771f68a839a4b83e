using Distill.Contracts.Methods;
using Distill.Torch;
using Distill.Torch.Nn;
using Distill.Torch.Serialization;
using Distill.Training.Data;
using Distill.Training.Distillation;
using Distill.Training.Models;
using Distill.Training.Tests.Trainers;
using Distill.Training.Trainers;
using static Distill.Training.Tests.Distillation.TinyDistillation;

namespace Distill.Training.Tests.Distillation;

/// <summary>The stages end to end through the trainer, on tiny models (vocabulary 300) and a tiny repeated corpus.</summary>
public sealed class DistillationStagesTests : TrainerTestFolder
{
    /// <summary>A teacher (hidden 32, 4 layers) trained briefly on the corpus, so its predictions are worth distilling.</summary>
    private async Task<CausalLanguageModel> Teacher(TokenDataset dataset, string family = "gpt2")
    {
        var teacher = Model(TeacherConfig(family, VocabSize, BlockSize), 11);
        await Train(Options(8) with { LearningRate = 2e-2 }, Store("teacher-" + family), new LanguageModelingObjective(teacher), dataset);
        teacher.Eval();
        return teacher;
    }

    private static CausalLanguageModel Student(string family = "gpt2", ulong seed = 12) => Model(StudentConfig(family, VocabSize, BlockSize, dropout: 0.1), seed);

    private static Dictionary<string, byte[]> Bytes(Module module) => module.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToBytes());

    private static (TaskAwareFilterSet Student, TaskAwareFilterSet Teacher)? Filters(MethodOptions method, CausalLanguageModel student, CausalLanguageModel teacher,
        ulong seed = 40) =>
        method.Name == MethodNames.Ted
            ? (TedFilterLayout.For(ModelRole.Student, method, student.Config, teacher.Config).CreateFilters(seed),
               TedFilterLayout.For(ModelRole.Teacher, method, student.Config, teacher.Config).CreateFilters(seed + 1))
            : null;

    public static TheoryData<string> AllMethods() => new(Methods);

    [Theory]
    [MemberData(nameof(AllMethods))]
    public async Task DistillAsync_EachMethod_LossFallsAndTheTeacherStaysByteIdentical(string json)
    {
        var method = MethodOptions.FromJson(json);
        using var dataset = OpenRepeatedCorpus();
        using var teacher = await Teacher(dataset);
        using var student = Student();
        var filters = Filters(method, student, teacher);
        using var studentFilters = filters?.Student;
        using var teacherFilters = filters?.Teacher;
        var teacherBefore = Bytes(teacher);
        var teacherFiltersBefore = teacherFilters is null ? null : Bytes(teacherFilters);
        var studentBefore = Bytes(student);
        var studentFiltersBefore = studentFilters is null ? null : Bytes(studentFilters);
        var components = new List<IReadOnlyDictionary<string, double>>();

        var result = await DistillationStages.DistillAsync(teacher, student, dataset, method, Options(10) with { LearningRate = 1e-2 }, Store(),
            new SynchronousProgress<TrainingProgress>(p => components.Add(p.Components)), teacherFilters, studentFilters, chunkTokens: 24,
            TestContext.Current.CancellationToken);

        Assert.True(result.Completed);
        var losses = result.Losses.Select(p => p.Loss).ToArray();
        Assert.True(losses[^3..].Average() < 0.9 * losses[0], $"the loss did not fall: {string.Join(", ", losses)}");
        AssertBitEqual(teacherBefore, Bytes(teacher));
        Assert.All(teacher.Parameters(), p => Assert.Null(p.Grad));
        Assert.NotEqual(studentBefore["transformer.h.0.mlp.c_fc.weight"], Bytes(student)["transformer.h.0.mlp.c_fc.weight"]);
        if (teacherFilters is not null)
        {
            AssertBitEqual(teacherFiltersBefore!, Bytes(teacherFilters));
            var first = studentFiltersBefore!.Keys.First();
            Assert.NotEqual(studentFiltersBefore[first], Bytes(studentFilters!)[first]);
        }
        var active = method.EffectiveWeights();
        Assert.Equal(active.Hidden > 0, components[^1].ContainsKey("hidden"));
        Assert.Equal(active.Ce > 0, components[^1].ContainsKey("ce"));
    }

    [Fact]
    public async Task DistillAsync_InvalidMethod_IsRejectedBeforeTraining()
    {
        var method = MethodOptions.FromJson("""{"name": "kd", "temperature": 0, "weights": {"hidden": 1}}""");
        using var dataset = OpenRepeatedCorpus();
        using var teacher = Model(TeacherConfig("gpt2", VocabSize, BlockSize), 11);
        using var student = Student();
        var before = Bytes(student);
        var store = Store();

        var error = await Assert.ThrowsAsync<MethodOptionsException>(() =>
            DistillationStages.DistillAsync(teacher, student, dataset, method, Options(3), store, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(2, error.Problems.Count);
        Assert.Null(store.ReadPointer());
        AssertBitEqual(before, Bytes(student));
        Assert.All(teacher.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Theory]
    [InlineData("gpt2", """{"name": "kd", "temperature": 2, "weights": {"ce": 0.5}}""")]
    [InlineData("llama", """{"name": "atkd"}""")]
    [InlineData("gpt2", """{"name": "lwd"}""")]
    [InlineData("llama", """{"name": "feature-alignment"}""")]
    [InlineData("gpt2", """{"name": "ted", "weights": {"hidden": 5}}""")]
    public async Task RunAsync_StoppedAndResumed_GivesBitEqualStudentProjectionsAndFilters(string family, string json)
    {
        const int Steps = 4;
        var method = MethodOptions.FromJson(json);
        using var dataset = OpenTrainingText();
        using var teacher = Model(TeacherConfig(family, VocabSize, BlockSize), 11);

        async Task<Dictionary<string, byte[]>> Run(ulong studentSeed, LocalCheckpointStore store, int? stopAt)
        {
            using var student = Student(family, studentSeed);
            var filters = Filters(method, student, teacher, seed: studentSeed);
            using var studentFilters = filters?.Student;
            // The teacher's filters are not trained: every session loads the same ones (here, the same seed).
            using var teacherFilters = filters is null ? null : TedFilterLayout.For(ModelRole.Teacher, method, student.Config, teacher.Config).CreateFilters(77);
            using var objective = new DistillationObjective(student, teacher, method, studentFilters, teacherFilters, chunkTokens: 24, seed: studentSeed);
            using var cancellation = new CancellationTokenSource();
            var result = await Train(Options(Steps), store, objective, dataset, p =>
            {
                if (p.Step == stopAt)
                {
                    cancellation.Cancel();
                }
            }, cancellation.Token);
            Assert.Equal(stopAt is null, result.Completed);
            return objective.TrainableModules
                .SelectMany(m => m.Module.NamedParameters(m.Prefix + "."))
                .ToDictionary(p => p.Key, p => p.Value.ToBytes());
        }

        var straight = await Run(12, Store("straight"), stopAt: null);
        var store = Store("stopped");
        await Run(12, store, stopAt: 2);
        var resumed = await Run(999, store, stopAt: null);

        AssertBitEqual(straight, resumed);
        var extra = method.Name switch
        {
            MethodNames.Lwd or MethodNames.FeatureAlignment => "projections.",
            MethodNames.Ted => "filters.",
            _ => null,
        };
        Assert.Equal(extra is not null, straight.Keys.Any(k => !k.StartsWith("student.", StringComparison.Ordinal)));
        Assert.True(extra is null || straight.Keys.Any(k => k.StartsWith(extra, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Ted_StageOneForBothModelsThenStageTwo_TrainsOnlyWhatEachStageOwns()
    {
        var method = MethodOptions.FromJson("""{"name": "ted", "weights": {"hidden": 5}, "ted": {"stageOneSteps": 8, "stageOneLearningRate": 0.03}}""");
        using var dataset = OpenRepeatedCorpus();
        using var teacher = await Teacher(dataset);
        using var student = Student();
        var teacherBefore = Bytes(teacher);
        var studentBefore = Bytes(student);
        var folders = new Dictionary<ModelRole, string>();

        foreach (var (role, model, counterpart) in new[] { (ModelRole.Teacher, teacher, student.Config), (ModelRole.Student, student, teacher.Config) })
        {
            var store = Store("stage-one-" + role);
            using var stage = await DistillationStages.TrainFiltersAsync(role, model, counterpart, dataset, method, Options(100), store,
                chunkTokens: 20, cancellationToken: TestContext.Current.CancellationToken);

            Assert.True(stage.Training.Completed);
            Assert.Equal(8, stage.Training.Step);
            var losses = stage.Training.Losses.Select(p => p.Loss).ToArray();
            Assert.True(losses[^2..].Average() < 0.9 * losses[0], $"Stage I's loss did not fall: {string.Join(", ", losses)}");
            var checkpoint = Path.Combine(store.Root, store.ReadPointer()!.Folder, TrainerCheckpoint.WeightsFileName);
            Assert.All(SafeTensors.LoadCheckpoint(checkpoint).Keys, k => Assert.True(k.StartsWith("filters.", StringComparison.Ordinal) || k.StartsWith("heads.", StringComparison.Ordinal), k));
            folders[role] = Output("filters-" + role);
            stage.SaveArtifact(folders[role]);
        }
        AssertBitEqual(teacherBefore, Bytes(teacher));
        AssertBitEqual(studentBefore, Bytes(student));
        Assert.All(student.Parameters(), p => Assert.True(p.RequiresGrad));

        using var teacherFilters = TedFilterArtifact.Load(folders[ModelRole.Teacher], TedFilterLayout.For(ModelRole.Teacher, method, student.Config, teacher.Config));
        using var studentFilters = TedFilterArtifact.Load(folders[ModelRole.Student], TedFilterLayout.For(ModelRole.Student, method, student.Config, teacher.Config));
        var teacherFiltersBefore = Bytes(teacherFilters);
        var studentFiltersBefore = Bytes(studentFilters);
        var result = await DistillationStages.DistillAsync(teacher, student, dataset, method, Options(6), Store("stage-two"),
            teacherFilters: teacherFilters, studentFilters: studentFilters, chunkTokens: 20, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Completed);
        AssertBitEqual(teacherBefore, Bytes(teacher));
        AssertBitEqual(teacherFiltersBefore, Bytes(teacherFilters));
        Assert.NotEqual(studentFiltersBefore["filters.1.weight"], Bytes(studentFilters)["filters.1.weight"]);
        Assert.NotEqual(studentBefore["transformer.h.1.attn.c_attn.weight"], Bytes(student)["transformer.h.1.attn.c_attn.weight"]);
    }

    [Fact]
    public async Task TrainFiltersAsync_StoppedAndResumed_GivesBitEqualFilters()
    {
        var method = MethodOptions.FromJson("""{"name": "ted", "ted": {"stageOneSteps": 5, "stageOneLearningRate": 0.01, "nonlinear": true}}""");
        using var dataset = OpenTrainingText();
        using var teacher = Model(TeacherConfig("llama", VocabSize, BlockSize), 11);
        var studentConfig = StudentConfig("llama", VocabSize, BlockSize);

        async Task<FilterTrainingResult> Run(LocalCheckpointStore store, TrainerOptions options, int? stopAt)
        {
            using var cancellation = new CancellationTokenSource();
            return await DistillationStages.TrainFiltersAsync(ModelRole.Teacher, teacher, studentConfig, dataset, method, options, store,
                new SynchronousProgress<TrainingProgress>(p =>
                {
                    if (p.Step == stopAt)
                    {
                        cancellation.Cancel();
                    }
                }), chunkTokens: 24, cancellation.Token);
        }

        using var straight = await Run(Store("straight"), Options(1), stopAt: null);
        var store = Store("stopped");
        using (var stopped = await Run(store, Options(1), stopAt: 2))
        {
            Assert.False(stopped.Training.Completed);
            Assert.Throws<InvalidOperationException>(() => stopped.SaveArtifact(Output("too-early")));
        }
        // Filters that were not restored would restart from their initialisation at step 2 and end elsewhere.
        using var resumed = await Run(store, Options(1), stopAt: null);

        Assert.Equal(2, resumed.Training.ResumedFromStep);
        AssertBitEqual(Bytes(straight.Filters), Bytes(resumed.Filters));
    }
}
