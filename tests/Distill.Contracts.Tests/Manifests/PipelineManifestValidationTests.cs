using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;

namespace Distill.Contracts.Tests.Manifests;

/// <summary>Every rule <see cref="PipelineManifest.Validate()"/> checks, each with its exact path and message.</summary>
public sealed class PipelineManifestValidationTests
{
    private static ManifestProblem Single(string json) =>
        Assert.Single(Assert.Throws<ManifestException>(() => PipelineManifest.Parse(json)).Problems);

    [Theory]
    [InlineData("\"name\": \"my-run-2\"", null, null)]
    [InlineData("\"name\": \"\"", "name", "is empty")]
    [InlineData("\"name\": \"-run\"", "name", "'-run' starts with '-'; it must start with a letter or digit")]
    [InlineData("\"name\": \"run_1\"", "name", "'run_1' has '_' at 3; only lowercase letters, digits and '-' are allowed")]
    [InlineData("\"name\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "name", "has 64 characters; at most 63 are allowed")]
    [InlineData("\"output\": { \"name\": \"Student\" }", "output.name", "'Student' has 'S' at 0; only lowercase letters, digits and '-' are allowed")]
    public void Validate_Names_AreSafeIds(string member, string? path, string? message)
    {
        var json = ManifestExamples.Minimal.Replace("\"name\": \"run\"", member.StartsWith("\"name\"", StringComparison.Ordinal) ? member : "\"name\": \"run\", " + member, StringComparison.Ordinal);

        if (path is null)
        {
            Assert.Equal("my-run-2", PipelineManifest.Parse(json).Name);
        }
        else
        {
            Assert.Equal(new ManifestProblem(path, message!), Single(json));
        }
    }

    [Fact]
    public void Validate_MissingName_IsRequired()
    {
        Assert.Equal(
            new ManifestProblem("name", "is required: the run's name, e.g. \"tiny-gpt2-kd\" (lowercase letters, digits and '-')"),
            Single("""{ "version": 1, "data": { "train": ["data"] }, "method": { "name": "kd" } }"""));
    }

    [Theory]
    [InlineData("/etc/teacher", "'/etc/teacher' is absolute; paths are relative to the upload's root")]
    [InlineData("../teacher", "'../teacher' leaves the upload ('..' is not allowed); paths are relative to the upload's root")]
    [InlineData("models/../../x", "'models/../../x' leaves the upload ('..' is not allowed); paths are relative to the upload's root")]
    [InlineData("C:/teacher", "'C:/teacher' has a ':'; paths are relative to the upload's root (no drive letters or URLs)")]
    [InlineData("https://example.com/t", "'https://example.com/t' has a ':'; paths are relative to the upload's root (no drive letters or URLs)")]
    [InlineData("models\\\\teacher", "'models\\teacher' has a '\\'; separate folders with '/'")]
    [InlineData("", "is empty")]
    [InlineData("./teacher", "'./teacher' has a '.' segment; write the path without it")]
    [InlineData("models//teacher", "'models//teacher' has an empty segment (a doubled '/')")]
    [InlineData("teacher.", "'teacher.' has the segment 'teacher.', which ends in '.'")]
    [InlineData("tea\\u0001cher", "'tea\u0001cher' has the control character U+0001")]
    public void Validate_TeacherPath_MustStayInsideTheUpload(string path, string message)
    {
        Assert.Equal(new ManifestProblem("teacher.path", message), Single(ManifestExamples.With("teacher", $"\"path\": \"{path}\"")));
    }

    [Theory]
    [InlineData("models/teacher")]
    [InlineData("models/teacher/")]
    [InlineData("teacher v1/weights")]
    public void Validate_RelativePathsInsideTheUpload_AreAccepted(string path)
    {
        Assert.Equal(path, PipelineManifest.Parse(ManifestExamples.With("teacher", $"\"path\": \"{path}\"")).Teacher.Path);
    }

    [Theory]
    [InlineData("""{ "version": 1, "name": "run", "method": { "name": "kd" } }""", "data.train", "is required: the training files or folders, e.g. [\"data/train.jsonl\"]")]
    [InlineData("""{ "version": 1, "name": "run", "data": { "train": [] }, "method": { "name": "kd" } }""", "data.train", "must list at least one file or folder")]
    [InlineData("""{ "version": 1, "name": "run", "data": { "train": ["a.jsonl", "/b.jsonl"] }, "method": { "name": "kd" } }""", "data.train[1]", "'/b.jsonl' is absolute; paths are relative to the upload's root")]
    [InlineData("""{ "version": 1, "name": "run", "data": { "train": ["data", "data/"] }, "method": { "name": "kd" } }""", "data.train[1]", "'data/' is listed twice")]
    public void Validate_TrainingData_IsRequiredAndSafe(string json, string path, string message)
    {
        Assert.Equal(new ManifestProblem(path, message), Single(json));
    }

    [Theory]
    [InlineData("\"validation\": []", "data.validation", "must list at least one file or folder")]
    [InlineData("\"validation\": [\"..\"]", "data.validation[0]", "'..' leaves the upload ('..' is not allowed); paths are relative to the upload's root")]
    [InlineData("\"validation\": [\"valid\", \"data\"]", "data.validation[1]", "'data' is also in data.train; validation data must be held out")]
    [InlineData("\"validation\": [\"valid\"], \"validationFraction\": 0.1", "data.validationFraction", "is only used when data.validation is absent; remove one of them")]
    [InlineData("\"validationFraction\": 0", "data.validationFraction", "must be in (0, 1), got 0")]
    [InlineData("\"validationFraction\": 1", "data.validationFraction", "must be in (0, 1), got 1")]
    [InlineData("\"textField\": \" \"", "data.textField", "must not be empty")]
    [InlineData("\"messagesField\": \"\"", "data.messagesField", "must not be empty")]
    [InlineData("\"messagesField\": \"text\"", "data.messagesField", "must differ from data.textField ('text')")]
    [InlineData("\"blockSize\": 1", "data.blockSize", "must be at least 2, got 1")]
    public void Validate_DataSection_ChecksEveryField(string members, string path, string message)
    {
        Assert.Equal(new ManifestProblem(path, message), Single(ManifestExamples.With("data", members)));
    }

    [Fact]
    public void Validate_ValidationFractionWithoutValidationFiles_IsTheHeldOutShare()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.With("data", "\"validationFraction\": 0.2, \"invalidRecords\": \"skip\""));

        Assert.Equal(0.2, manifest.Data.EffectiveValidationFraction());
        Assert.Equal(InvalidRecordAction.Skip, manifest.Data.InvalidRecords);
    }

    [Theory]
    [InlineData("\"layers\": 0", "student.layers", "must be at least 1, got 0")]
    [InlineData("\"hiddenSize\": -64", "student.hiddenSize", "must be at least 1, got -64")]
    [InlineData("\"heads\": 0", "student.heads", "must be at least 1, got 0")]
    [InlineData("\"keyValueHeads\": 0", "student.keyValueHeads", "must be at least 1, got 0")]
    [InlineData("\"intermediateSize\": 0", "student.intermediateSize", "must be at least 1, got 0")]
    [InlineData("\"hiddenSize\": 30, \"heads\": 4", "student.hiddenSize", "4 heads do not divide hidden_size 30")]
    [InlineData("\"heads\": 6, \"keyValueHeads\": 4", "student.keyValueHeads", "4 key/value heads do not divide the 6 heads")]
    public void Validate_StudentShape_AsFarAsItIsGiven(string members, string path, string message)
    {
        Assert.Equal(new ManifestProblem(path, message), Single(ManifestExamples.With("student", members)));
    }

    [Theory]
    [InlineData("\"name\": \"distil\"", "method.name", "unknown method 'distil' (known: ce, kd, reverse-kl, atkd, ted, lwd, feature-alignment)")]
    [InlineData("\"temperature\": 2", "method.name", "is required (known: ce, kd, reverse-kl, atkd, ted, lwd, feature-alignment)")]
    [InlineData("\"name\": \"kd\", \"temperature\": 0", "method.temperature", "must be > 0, got 0")]
    [InlineData("\"name\": \"kd\", \"weights\": { \"hidden\": 1 }", "method.weights.hidden", "the 'kd' method has no hidden term")]
    [InlineData("\"name\": \"kd\", \"ted\": {}", "method.ted", "only the 'ted' and 'lwd' methods read this section (method.name is 'kd')")]
    [InlineData("\"name\": \"ted\", \"ted\": { \"teacherInterval\": 0 }", "method.ted.teacherInterval", "must be ≥ 1 (or null for auto), got 0")]
    [InlineData("\"name\": \"ted\", \"ted\": { \"stageOneSteps\": 50 }", "method.ted.stageOneSteps", "the pipeline's filter stages train training.filterSteps steps; set that instead")]
    [InlineData("\"name\": \"lwd\", \"ted\": { \"filterWidth\": 64 }", "method.ted.filterWidth", "the 'lwd' method has no filters (its projections map to the teacher's width)")]
    [InlineData("\"name\": \"atkd\", \"atkd\": { \"hardFraction\": 1 }", "method.atkd.hardFraction", "must be in (0, 1), got 1")]
    public void Validate_MethodSection_WithoutTheModels(string members, string path, string message)
    {
        Assert.Equal(new ManifestProblem(path, message), Single(ManifestExamples.With("method", members)));
    }

    [Fact]
    public void Validate_TedLayerMappingWithoutTheTeacher_WaitsForTheDepths()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.With("method", "\"name\": \"ted\", \"ted\": { \"teacherInterval\": 5 }"));

        Assert.Empty(manifest.Validate());
        Assert.Equal(
            [new ManifestProblem("method.ted.teacherInterval", "5 does not divide the teacher's 4 layers")],
            manifest.Validate(ManifestExamples.Gpt2Teacher(layers: 4)));
    }

    [Theory]
    [InlineData("\"steps\": 0", "training.steps", "must be at least 1, got 0")]
    [InlineData("\"batchSize\": 0", "training.batchSize", "must be at least 1, got 0")]
    [InlineData("\"gradientAccumulation\": 0", "training.gradientAccumulation", "must be at least 1, got 0")]
    [InlineData("\"learningRate\": 0", "training.learningRate", "must be > 0, got 0")]
    [InlineData("\"learningRate\": 0.001, \"minLearningRate\": 0.01", "training.minLearningRate", "must be in [0, training.learningRate = 0.001], got 0.01")]
    [InlineData("\"minLearningRate\": -1", "training.minLearningRate", "must be in [0, training.learningRate = 0.0006], got -1")]
    [InlineData("\"steps\": 10, \"warmupSteps\": 11", "training.warmupSteps", "must be in [0, training.steps = 10], got 11")]
    [InlineData("\"warmupSteps\": -1", "training.warmupSteps", "must be in [0, training.steps = 1000], got -1")]
    [InlineData("\"weightDecay\": -0.1", "training.weightDecay", "must be ≥ 0, got -0.1")]
    [InlineData("\"maxGradNorm\": -1", "training.maxGradNorm", "must be ≥ 0 (0 turns clipping off), got -1")]
    [InlineData("\"checkpointEvery\": -5", "training.checkpointEvery", "must be ≥ 0 (0: only at the end), got -5")]
    [InlineData("\"evaluateEvery\": -1", "training.evaluateEvery", "must be ≥ 0 (0: only at the end), got -1")]
    [InlineData("\"filterSteps\": 0", "training.filterSteps", "must be at least 1, got 0")]
    [InlineData("\"filterSteps\": 10", "training.filterSteps", "only the 'ted' method has filter stages (method.name is 'kd')")]
    public void Validate_TrainingSection_ChecksEveryField(string members, string path, string message)
    {
        Assert.Equal(new ManifestProblem(path, message), Single(ManifestExamples.With("training", members)));
    }

    [Fact]
    public void Validate_FilterStepsForTed_DefaultToATenthOfTheSteps()
    {
        var ted = """{ "version": 1, "name": "run", "data": { "train": ["data"] }, "method": { "name": "ted" }, "training": { "steps": 45 } }""";

        var manifest = PipelineManifest.Parse(ted);
        var explicitSteps = PipelineManifest.Parse(ted.Replace("\"steps\": 45", "\"steps\": 45, \"filterSteps\": 7", StringComparison.Ordinal));

        Assert.Equal(5L, manifest.Training.EffectiveFilterSteps());
        Assert.Equal(7L, explicitSteps.Training.EffectiveFilterSteps());
    }

    [Theory]
    [InlineData("\"maxBlocks\": 0", "evaluation.maxBlocks", "must be at least 1, got 0")]
    [InlineData("\"batchSize\": 0", "evaluation.batchSize", "must be at least 1, got 0")]
    [InlineData("\"prompts\": [\"Once\", \"\"]", "evaluation.prompts[1]", "must not be empty")]
    [InlineData("\"gates\": { \"maxPerplexityRatio\": 0 }", "evaluation.gates.maxPerplexityRatio", "must be > 0, got 0")]
    [InlineData("\"gates\": { \"minTopOneAgreement\": 1.5 }", "evaluation.gates.minTopOneAgreement", "must be in [0, 1], got 1.5")]
    [InlineData("\"gates\": { \"maxForwardKl\": -0.5 }", "evaluation.gates.maxForwardKl", "must be ≥ 0, got -0.5")]
    public void Validate_EvaluationSection_ChecksEveryField(string members, string path, string message)
    {
        Assert.Equal(new ManifestProblem(path, message), Single(ManifestExamples.With("evaluation", members)));
    }

    [Fact]
    public void Validate_ManifestBuiltInCode_ChecksVersionAndEnumValues()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.Minimal) with { Version = 3 };
        manifest.Data = manifest.Data with { InvalidRecords = (InvalidRecordAction)7 };
        manifest.Student = manifest.Student with { Init = (StudentInit)9 };
        manifest.Training = manifest.Training with { Device = (TrainingDevice)5, LearningRate = double.NaN };

        Assert.Equal(
        [
            new("version", "unsupported version 3; this Distill reads version 1"),
            new("data.invalidRecords", "unknown value '7' (known: fail, skip)"),
            new("student.init", "unknown value '9' (known: teacher-layers, random)"),
            new("training.learningRate", "must be > 0, got NaN"),
            new("training.device", "unknown value '5' (known: auto, cpu, cuda)"),
        ], manifest.Validate());
    }

    [Fact]
    public void Validate_DefaultManifestInCode_NamesTheRequiredFields()
    {
        var problems = new PipelineManifest().Validate();

        Assert.Equal(["name", "data.train", "method"], problems.Select(p => p.Path));
    }

    [Fact]
    public void ThrowIfInvalid_ThrowsWithEveryProblemAndTheFileName()
    {
        var manifest = new PipelineManifest { Name = "run", Method = new MethodOptions { Name = "kd" } };

        var error = Assert.Throws<ManifestException>(() => manifest.ThrowIfInvalid(fileName: "uploads/run/pipeline.json"));

        Assert.Equal("uploads/run/pipeline.json: data.train: is required: the training files or folders, e.g. [\"data/train.jsonl\"]", error.Message);
    }
}
