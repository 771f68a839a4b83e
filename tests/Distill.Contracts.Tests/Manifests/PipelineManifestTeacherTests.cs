using Distill.Contracts.Manifests;

namespace Distill.Contracts.Tests.Manifests;

/// <summary>What <see cref="PipelineManifest.Validate(Models.ModelConfig)"/> adds once the teacher's config is known.</summary>
public sealed class PipelineManifestTeacherTests
{
    private static IReadOnlyList<ManifestProblem> Validate(string section, string members, Models.ModelConfig teacher) =>
        PipelineManifest.Parse(ManifestExamples.With(section, members)).Validate(teacher);

    [Fact]
    public void Validate_DemoManifestWithItsTeacher_IsValid()
    {
        var teacher = ManifestExamples.Gpt2Teacher();
        var manifest = PipelineManifest.Parse(ManifestExamples.Demo);

        Assert.Empty(manifest.Validate(teacher));
        var student = manifest.StudentConfig(teacher);
        Assert.Equal((2, 64, 4, 4, 16, 256), (student.NumLayers, student.HiddenSize, student.NumHeads, student.NumKeyValueHeads, student.HeadDim, student.IntermediateSize));
    }

    [Fact]
    public void Validate_Student_SharesTheTeachersVocabularyAndPositions()
    {
        var teacher = ManifestExamples.Gpt2Teacher(vocabulary: 777, positions: 96);

        var student = PipelineManifest.Parse(ManifestExamples.With("student", "\"layers\": 1")).StudentConfig(teacher);

        Assert.Equal((777, 96), (student.VocabSize, student.MaxPositions));
    }

    [Fact]
    public void Validate_HiddenSizeTheTeachersHeadsDoNotDivide_NamesTheHeads()
    {
        Assert.Equal(
            [new ManifestProblem("student.heads", "4 heads do not divide hidden_size 30")],
            Validate("student", "\"hiddenSize\": 30", ManifestExamples.Gpt2Teacher()));
    }

    [Fact]
    public void Validate_Gpt2StudentWithGroupedQueryAttention_IsRejected()
    {
        Assert.Equal(
            [new ManifestProblem("student.keyValueHeads", "GPT-2 has no grouped-query attention: kv_heads must equal heads (4), not 2")],
            Validate("student", "\"keyValueHeads\": 2", ManifestExamples.Gpt2Teacher()));
    }

    [Fact]
    public void Validate_LlamaStudentShape_MapsEveryFieldToItsManifestPath()
    {
        var teacher = ManifestExamples.LlamaTeacher();

        Assert.Equal(
            [new ManifestProblem("student.heads", "hidden_size / heads = 96 / 32 = 3 is odd, but rotary embeddings need an even head size")],
            Validate("student", "\"heads\": 32, \"keyValueHeads\": 8", teacher));
        Assert.Equal(
            [new ManifestProblem("student.keyValueHeads", "2 key/value heads (the teacher's) do not divide the 3 heads")],
            Validate("student", "\"hiddenSize\": 48, \"heads\": 3", teacher));
        Assert.Empty(Validate("student", "\"layers\": 2, \"hiddenSize\": 48, \"heads\": 4", teacher));
    }

    [Fact]
    public void Validate_StudentProblemsFoundWithoutTheTeacher_AreNotRepeated()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.Minimal);
        manifest.Student = new StudentSection { HiddenSize = 30, Heads = 4 };

        var problems = manifest.Validate(ManifestExamples.Gpt2Teacher());

        Assert.Equal([new ManifestProblem("student.hiddenSize", "4 heads do not divide hidden_size 30")], problems);
    }

    [Fact]
    public void Validate_BlockSizeBeyondTheTeachersPositions_IsRejected()
    {
        Assert.Equal(
            [new ManifestProblem("data.blockSize", "512 tokens exceed the teacher's 256 positions (max_position_embeddings)")],
            Validate("data", "\"blockSize\": 512", ManifestExamples.Gpt2Teacher(positions: 256)));
        Assert.Empty(Validate("data", "\"blockSize\": 256", ManifestExamples.Gpt2Teacher(positions: 256)));
    }

    [Fact]
    public void Validate_TedIntervals_UseTheStudentAndTeacherDepths()
    {
        var manifest = """{ "version": 1, "name": "run", "data": { "train": ["data"] }, "student": { "layers": 3 }, "method": { "name": "ted", "ted": { "studentInterval": 2 } } }""";

        var problems = PipelineManifest.Parse(manifest).Validate(ManifestExamples.Gpt2Teacher(layers: 6));

        Assert.Equal([new ManifestProblem("method.ted.studentInterval", "2 does not divide the student's 3 layers")], problems);
    }

    [Fact]
    public void Validate_StudentDepthLeftOut_IsTheTeachersForTheLayerMapping()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.With("method",
            "\"name\": \"feature-alignment\", \"featureAlignment\": { \"layerPairs\": [ { \"student\": 5, \"teacher\": 1 } ] }"));

        Assert.Empty(manifest.Validate());
        Assert.Equal(
            [new ManifestProblem("method.featureAlignment.layerPairs[0].student", "layer 5 is outside the student's layers 1..4 (0, the embeddings, is never matched)")],
            manifest.Validate(ManifestExamples.Gpt2Teacher(layers: 4)));
    }

    [Fact]
    public void Validate_InvalidStudentDepth_SkipsTheLayerMapping()
    {
        var manifest = """{ "version": 1, "name": "run", "data": { "train": ["data"] }, "student": { "layers": 0 }, "method": { "name": "ted" } }""";

        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(manifest));

        Assert.Equal([new ManifestProblem("student.layers", "must be at least 1, got 0")], error.Problems);
    }

    [Fact]
    public void ThrowIfInvalid_WithTheTeacher_ListsTheTeacherDependentProblems()
    {
        var manifest = PipelineManifest.Parse("""{ "version": 1, "name": "run", "data": { "train": ["data"], "blockSize": 300 }, "student": { "hiddenSize": 30 }, "method": { "name": "kd" } }""");

        var error = Assert.Throws<ManifestException>(() => manifest.ThrowIfInvalid(ManifestExamples.Gpt2Teacher(positions: 256)));

        Assert.Equal(["data.blockSize", "student.heads"], error.Problems.Select(p => p.Path));
        Assert.StartsWith("pipeline.json: 2 problems: ", error.Message, StringComparison.Ordinal);
    }
}
