using System.Text.Json.Nodes;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

public sealed class StudentBuilderTests : ModelTestFolder
{
    private static CausalLanguageModel Teacher(string json, ulong seed = 1)
    {
        var model = CausalLanguageModel.CreateInitialized(ModelConfig.Parse(json, "config.json"), seed);
        model.Eval();
        return model;
    }

    private static Dictionary<string, Tensor> Parameters(CausalLanguageModel model) =>
        model.NamedParameters().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    [Theory]
    [InlineData(12, 4, new[] { 2, 5, 8, 11 })]
    [InlineData(3, 2, new[] { 1, 2 })]
    [InlineData(5, 2, new[] { 2, 4 })]
    [InlineData(4, 4, new[] { 0, 1, 2, 3 })]
    [InlineData(3, 1, new[] { 2 })]
    [InlineData(2, 3, new[] { 0, 0, 1 })]
    [InlineData(1, 4, new[] { 0, 0, 0, 0 })]
    public void LayerMap_TakesTheLastLayerOfEachBlock(int teacherLayers, int studentLayers, int[] expected) =>
        Assert.Equal(expected, StudentBuilder.LayerMap(teacherLayers, studentLayers));

    [Fact]
    public void Build_FromTeacherSameWidthFewerLayers_CopiesTheMappedLayersAndEverythingElse()
    {
        using var scope = TensorScope.Begin();
        using var teacher = Teacher(new Gpt2Spec { Layers = 3 }.ConfigJson());

        var result = StudentBuilder.Build(teacher, new StudentShape { Layers = 2 }, StudentInitialization.FromTeacher, seed: 7);
        using var student = result.Model;

        Assert.Equal([1, 2], result.LayerSources);
        Assert.Empty(result.RandomlyInitialized);
        Assert.Empty(result.Notes);
        var t = Parameters(teacher);
        var s = Parameters(student);
        Assert.Equal(s.Keys.Order(StringComparer.Ordinal), result.Copied.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in s)
        {
            // Independent of the builder's bookkeeping: student h.0 is teacher h.1, h.1 is h.2, the rest by name.
            var source = name.Replace("transformer.h.1.", "transformer.h.2.", StringComparison.Ordinal)
                .Replace("transformer.h.0.", "transformer.h.1.", StringComparison.Ordinal);
            Assert.Equal(source, result.Copied[name]);
            Assert.True(BitEqual(t[source], tensor), name);
        }
        Assert.False(BitEqual(t["transformer.h.0.attn.c_attn.weight"], s["transformer.h.0.attn.c_attn.weight"]));
        Assert.True(student.IsTraining);
    }

    [Fact]
    public void Build_FromTeacherNarrowerMlp_CopiesEmbeddingNormAndHeadAndInitialisesTheLayersLikeARandomBuild()
    {
        using var scope = TensorScope.Begin();
        using var teacher = Teacher(new LlamaSpec { Layers = 3, Intermediate = 48, Tied = false }.ConfigJson());
        var shape = new StudentShape { Layers = 2, IntermediateSize = 32 };

        var fromTeacher = StudentBuilder.Build(teacher, shape, StudentInitialization.FromTeacher, seed: 11);
        var random = StudentBuilder.Build(teacher, shape, StudentInitialization.Random, seed: 11);
        using var student = fromTeacher.Model;
        using var randomStudent = random.Model;

        Assert.Equal([null, null], fromTeacher.LayerSources);
        Assert.Equal(["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"], fromTeacher.Copied.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, fromTeacher.Notes.Count);
        Assert.Contains("layer 0 (from teacher layer 1): model.layers.0.mlp.gate_proj.weight has shape [32, 32] but model.layers.1.mlp.gate_proj.weight is [48, 32]", fromTeacher.Notes);
        var t = Parameters(teacher);
        var s = Parameters(student);
        var r = Parameters(randomStudent);
        foreach (var name in fromTeacher.Copied.Keys)
        {
            Assert.True(BitEqual(t[name], s[name]), name);
        }
        Assert.Equal(s.Keys.Where(n => n.StartsWith("model.layers.", StringComparison.Ordinal)), fromTeacher.RandomlyInitialized);
        foreach (var name in fromTeacher.RandomlyInitialized)
        {
            Assert.True(BitEqual(r[name], s[name]), name);
        }
        Assert.Equal(32, student.Config.IntermediateSize);
    }

    [Fact]
    public void Build_Random_IsReproducibleFromTheSeedAndCopiesNothing()
    {
        using var scope = TensorScope.Begin();
        using var teacher = Teacher(new LlamaSpec().ConfigJson());
        var shape = new StudentShape { Layers = 1, HiddenSize = 16, Heads = 2, KeyValueHeads = 1, IntermediateSize = 24 };

        var a = StudentBuilder.Build(teacher, shape, StudentInitialization.Random, seed: 3);
        var b = StudentBuilder.Build(teacher, shape, StudentInitialization.Random, seed: 3);
        var c = StudentBuilder.Build(teacher, shape, StudentInitialization.Random, seed: 4);
        using var ma = a.Model;
        using var mb = b.Model;
        using var mc = c.Model;

        Assert.Empty(a.Copied);
        Assert.Empty(a.Notes);
        Assert.Equal([null], a.LayerSources);
        Assert.Equal(ma.NamedParameters().Select(p => p.Key), a.RandomlyInitialized);
        var pb = Parameters(mb);
        var pc = Parameters(mc);
        foreach (var (name, tensor) in ma.NamedParameters())
        {
            Assert.True(BitEqual(tensor, pb[name]), name);
        }
        Assert.False(BitEqual(Parameters(ma)["model.embed_tokens.weight"], pc["model.embed_tokens.weight"]));
        Assert.Equal([16L, 16], Parameters(ma)["model.layers.0.self_attn.q_proj.weight"].Shape);
        Assert.Equal([8L, 16], Parameters(ma)["model.layers.0.self_attn.k_proj.weight"].Shape);
    }

    [Fact]
    public void Build_WiderStudent_CopiesNothingAndSaysWhy()
    {
        using var scope = TensorScope.Begin();
        using var teacher = Teacher(new Gpt2Spec().ConfigJson());

        var result = StudentBuilder.Build(teacher, new StudentShape { HiddenSize = 48 }, StudentInitialization.FromTeacher, seed: 1);
        using var student = result.Model;

        Assert.Empty(result.Copied);
        Assert.Contains("transformer.wte.weight: shape [97, 48] differs from the teacher's [97, 32]", result.Notes);
        Assert.Contains(result.Notes, n => n.StartsWith("layer 1 (from teacher layer 1): ", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_PaddedTeacher_StudentPredictsTheSameIds()
    {
        using var scope = TensorScope.Begin();
        using var teacher = Teacher(new Gpt2Spec { Vocab = 40 }.ConfigJson());
        teacher.OutputVocabSize = 33;

        var result = StudentBuilder.Build(teacher, new StudentShape { Layers = 1 }, StudentInitialization.FromTeacher, seed: 1);
        using var student = result.Model;

        Assert.Equal(40, student.Config.VocabSize);
        Assert.Equal(33, student.OutputVocabSize);
    }

    [Fact]
    public void CreateConfig_UnsetValues_InheritTheTeachersAndTheIntermediateSizeKeepsItsRatio()
    {
        var teacher = ModelConfig.Parse(new LlamaSpec { Llama3 = true, Theta = 50000, Eps = 1e-6, KvHeads = 2, Tied = true, HeadDim = 8 }.ConfigJson(), "config.json");

        var config = StudentBuilder.CreateConfig(teacher, new StudentShape { Layers = 1, HiddenSize = 16 });

        // The teacher's MLP is 1.5 times its width (48 / 32): half the width gives 24.
        Assert.Equal((1, 16, 4, 2, 4, 24), (config.NumLayers, config.HiddenSize, config.NumHeads, config.NumKeyValueHeads, config.HeadDim, config.IntermediateSize));
        Assert.Equal(teacher.VocabSize, config.VocabSize);
        Assert.Equal(teacher.RopeScaling, config.RopeScaling);
        Assert.Equal(50000, config.RopeTheta);
        Assert.Equal(1e-6, config.NormEps);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(teacher.MaxPositions, config.MaxPositions);
        Assert.Equal(teacher.EosTokenIds, config.EosTokenIds);
        var unchanged = StudentBuilder.CreateConfig(teacher, new StudentShape { Layers = 1 });
        Assert.Equal(8, unchanged.HeadDim);
        Assert.Equal(48, unchanged.IntermediateSize);
    }

    [Fact]
    public void CreateConfig_InvalidShape_NamesEveryField()
    {
        var teacher = ModelConfig.Parse(new LlamaSpec().ConfigJson(), "config.json");

        var error = Assert.Throws<StudentShapeException>(() =>
            StudentBuilder.CreateConfig(teacher, new StudentShape { Layers = 0, HiddenSize = 30, Heads = 4, KeyValueHeads = 3, IntermediateSize = -1 }));

        Assert.Equal(["layers", "intermediate_size", "heads", "kv_heads"], error.Problems.Select(p => p.Field));
        Assert.Contains("layers: must be at least 1 (got 0)", error.Message, StringComparison.Ordinal);
        Assert.Contains("heads: 4 heads do not divide hidden_size 30", error.Message, StringComparison.Ordinal);
        Assert.Contains("kv_heads: 3 key/value heads do not divide the 4 heads", error.Message, StringComparison.Ordinal);
        Assert.Contains("intermediate_size: must be positive (got -1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateConfig_InheritedKeyValueHeadsThatNoLongerDivide_SaysTheyAreTheTeachers()
    {
        var teacher = ModelConfig.Parse(new LlamaSpec { Heads = 4, KvHeads = 4 }.ConfigJson(), "config.json");

        var error = Assert.Throws<StudentShapeException>(() => StudentBuilder.CreateConfig(teacher, new StudentShape { Heads = 2 }));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(new StudentShapeProblem("kv_heads", "4 key/value heads (the teacher's) do not divide the 2 heads"), problem);
    }

    [Fact]
    public void CreateConfig_OddRotaryHeadSize_IsRejected()
    {
        var teacher = ModelConfig.Parse(new LlamaSpec().ConfigJson(), "config.json");

        var error = Assert.Throws<StudentShapeException>(() => StudentBuilder.CreateConfig(teacher, new StudentShape { HiddenSize = 36, Heads = 4, KeyValueHeads = 4 }));

        Assert.Equal("heads", Assert.Single(error.Problems).Field);
        Assert.Contains("= 9 is odd", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateConfig_Gpt2WithFewerKeyValueHeads_IsRejected()
    {
        var teacher = ModelConfig.Parse(new Gpt2Spec().ConfigJson(), "config.json");

        var error = Assert.Throws<StudentShapeException>(() => StudentBuilder.CreateConfig(teacher, new StudentShape { Heads = 4, KeyValueHeads = 2 }));

        Assert.Equal(new StudentShapeProblem("kv_heads", "GPT-2 has no grouped-query attention: kv_heads must equal heads (4), not 2"), Assert.Single(error.Problems));
        var fewerHeads = StudentBuilder.CreateConfig(teacher, new StudentShape { Heads = 2 });
        Assert.Equal((2, 2, 16), (fewerHeads.NumHeads, fewerHeads.NumKeyValueHeads, fewerHeads.HeadDim));
    }

    [Fact]
    public void Save_Student_WritesItsShapeOverTheTeachersConfigAndLoadsBack()
    {
        using var scope = TensorScope.Begin();
        var spec = new LlamaSpec { ModelType = "qwen2", Layers = 3, Tied = true };
        using var teacher = ModelCheckpoint.Load(WriteCheckpoint("teacher", spec.ConfigJson(), spec.RandomWeights(1)));
        var result = StudentBuilder.Build(teacher, new StudentShape { Layers = 1, IntermediateSize = 24 }, StudentInitialization.FromTeacher, seed: 2);
        using var student = result.Model;
        var output = Folder("student");

        ModelCheckpoint.Save(student, output, WriteTokenizerFolder("tokenizer", "tokenizer.json", "tokenizer_config.json"));
        using var reloaded = ModelCheckpoint.Load(output);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!.AsObject();
        Assert.Equal(1, (int)config["num_hidden_layers"]!);
        Assert.Equal(24, (int)config["intermediate_size"]!);
        Assert.Equal(spec.Hidden, (int)config["hidden_size"]!);
        Assert.Equal("Qwen2ForCausalLM", (string?)config["architectures"]![0]);
        Assert.Equal(["full_attention"], config["layer_types"]!.AsArray().Select(n => (string?)n));
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
        foreach (var (name, tensor) in student.NamedParameters())
        {
            Assert.True(BitEqual(tensor, Parameters(reloaded)[name]), name);
        }
    }
}
