using System.Text.Json;
using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;

namespace Distill.Contracts.Tests.Manifests;

/// <summary>Reading pipeline.json: the full example, defaults, syntax errors, unknown fields and wrong kinds, all reported together.</summary>
public sealed class PipelineManifestParseTests
{
    [Fact]
    public void Parse_DemoManifest_ReadsEveryField()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.Demo);

        Assert.Equal(1, manifest.Version);
        Assert.Equal("tiny-gpt2-kd", manifest.Name);
        Assert.Equal("teacher", manifest.Teacher.Path);
        Assert.Equal(["data/train.jsonl"], manifest.Data.Train!);
        Assert.Equal(["data/validation.jsonl"], manifest.Data.Validation!);
        Assert.Equal(64, manifest.Data.BlockSize);
        Assert.Equal(0, manifest.Data.EffectiveValidationFraction());
        Assert.Equal((2, 64, 4), (manifest.Student.Layers, manifest.Student.HiddenSize, manifest.Student.Heads));
        Assert.Null(manifest.Student.KeyValueHeads);
        Assert.Equal(StudentInit.TeacherLayers, manifest.Student.Init);
        Assert.Equal(1UL, manifest.Student.Seed);
        Assert.Equal(MethodNames.Kd, manifest.Method!.Name);
        Assert.Equal(new TermWeights(0.5, 0.5, 0, 0, 0, 0), manifest.Method.EffectiveWeights());
        Assert.Equal(2, manifest.Method.EffectiveTemperature);
        Assert.Equal((300L, 16, 0.002, 30L), (manifest.Training.Steps, manifest.Training.BatchSize, manifest.Training.LearningRate, manifest.Training.WarmupSteps));
        Assert.Equal(0.0002, manifest.Training.EffectiveMinLearningRate(), 12);
        Assert.Equal(TrainingDevice.Auto, manifest.Training.Device);
        Assert.Equal(64L, manifest.Evaluation.MaxBlocks);
        Assert.Equal(["The licensee shall"], manifest.Evaluation.Prompts);
        Assert.Equal(2.0, manifest.Evaluation.Gates.MaxPerplexityRatio);
        Assert.Null(manifest.Evaluation.Gates.MinTopOneAgreement);
        Assert.Equal("tiny-gpt2-student", manifest.OutputName());
    }

    [Fact]
    public void Parse_MinimalManifest_TakesTheDocumentedDefaults()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.Minimal);

        Assert.Equal("teacher", manifest.Teacher.Path);
        Assert.Null(manifest.Data.Validation);
        Assert.Equal(0.05, manifest.Data.EffectiveValidationFraction());
        Assert.Equal(("text", "messages", true, 128), (manifest.Data.TextField, manifest.Data.MessagesField, manifest.Data.MaskPrompts, manifest.Data.BlockSize));
        Assert.Equal(InvalidRecordAction.Fail, manifest.Data.InvalidRecords);
        Assert.Equal(new Models.StudentShape(), manifest.Student.ToShape());
        Assert.Equal(StudentInit.TeacherLayers, manifest.Student.Init);
        var t = manifest.Training;
        Assert.Equal((1000L, 8, 1, 6e-4, 0L), (t.Steps, t.BatchSize, t.GradientAccumulation, t.LearningRate, t.WarmupSteps));
        Assert.Equal((0.1, 1.0, 0UL, 100L, 0L), (t.WeightDecay, t.MaxGradNorm, t.Seed, t.CheckpointEvery, t.EvaluateEvery));
        Assert.Equal((TrainingDevice.Auto, true), (t.Device, t.Bf16));
        Assert.Equal(6e-5, t.EffectiveMinLearningRate(), 12);
        Assert.Equal(100L, t.EffectiveFilterSteps());
        Assert.Null(manifest.Evaluation.MaxBlocks);
        Assert.Equal(8, manifest.Evaluation.BatchSize);
        Assert.Empty(manifest.Evaluation.Prompts);
        Assert.Equal(new EvaluationGates(), manifest.Evaluation.Gates);
        Assert.Equal("run", manifest.OutputName());
    }

    [Fact]
    public void Parse_MinimalManifest_EqualsTheDefaultsWrittenInFull()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.Minimal);

        JsonAssert.RoundTrips(manifest, ContractsJsonContext.Default.PipelineManifest,
            """{"version":1,"name":"run","teacher":{"path":"teacher"},"data":{"train":["data"],"textField":"text","messagesField":"messages","maskPrompts":true,"blockSize":128,"textDocuments":"paragraphs","invalidRecords":"fail"},"student":{"init":"teacher-layers","seed":0},"method":{"name":"kd"},"training":{"steps":1000,"batchSize":8,"gradientAccumulation":1,"learningRate":0.0006,"warmupSteps":0,"weightDecay":0.1,"maxGradNorm":1,"seed":0,"checkpointEvery":100,"evaluateEvery":0,"device":"auto","bf16":true},"evaluation":{"batchSize":8,"prompts":[],"gates":{}},"output":{}}""");
    }

    [Fact]
    public void Parse_DemoManifest_RoundTripsThroughItsPinnedWireForm()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.Demo);

        JsonAssert.RoundTrips(manifest, ContractsJsonContext.Default.PipelineManifest,
            """{"version":1,"name":"tiny-gpt2-kd","teacher":{"path":"teacher"},"data":{"train":["data/train.jsonl"],"validation":["data/validation.jsonl"],"textField":"text","messagesField":"messages","maskPrompts":true,"blockSize":64,"textDocuments":"paragraphs","invalidRecords":"fail"},"student":{"layers":2,"hiddenSize":64,"heads":4,"init":"teacher-layers","seed":1},"method":{"name":"kd","temperature":2,"weights":{"ce":0.5,"kd":0.5}},"training":{"steps":300,"batchSize":16,"gradientAccumulation":1,"learningRate":0.002,"warmupSteps":30,"weightDecay":0.1,"maxGradNorm":1,"seed":1,"checkpointEvery":100,"evaluateEvery":100,"device":"auto","bf16":true},"evaluation":{"maxBlocks":64,"batchSize":16,"prompts":["The licensee shall"],"gates":{"maxPerplexityRatio":2}},"output":{"name":"tiny-gpt2-student"}}""");
    }

    [Fact]
    public void ToJson_IsIndentedAndParsesBackToTheSameManifest()
    {
        var manifest = PipelineManifest.Parse(ManifestExamples.Demo);

        var json = manifest.ToJson();
        var again = PipelineManifest.Parse(json);

        Assert.Contains("\n  \"name\": \"tiny-gpt2-kd\",\n", json, StringComparison.Ordinal);
        Assert.Equal(
            JsonSerializer.Serialize(manifest, ContractsJsonContext.Default.PipelineManifest),
            JsonSerializer.Serialize(again, ContractsJsonContext.Default.PipelineManifest));
    }

    [Fact]
    public void Parse_SyntaxError_GivesOneBasedLineAndColumn()
    {
        const string Json = "{\n  \"version\": 1,\n  \"name\": }";

        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(Json, "uploads/run/pipeline.json"));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("", problem.Path);
        Assert.Equal("not valid JSON at line 3, column 11: '}' is an invalid start of a value.", problem.Message);
        Assert.Equal("uploads/run/pipeline.json: not valid JSON at line 3, column 11: '}' is an invalid start of a value.", error.Message);
        Assert.Equal("uploads/run/pipeline.json", error.FileName);
    }

    [Theory]
    [InlineData("", "not valid JSON at line 1, column 1")]
    [InlineData("{ \"version\": 1, }", "not valid JSON at line 1, column 17")]
    [InlineData("{ \"version\": 1 } {}", "not valid JSON at line 1, column 18")]
    [InlineData("// a comment\n{}", "not valid JSON at line 1, column 1")]
    public void Parse_MalformedJson_IsRejectedWithItsPosition(string json, string start)
    {
        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(json));

        Assert.StartsWith(start + ": ", Assert.Single(error.Problems).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "the manifest must be a JSON object, got an array")]
    [InlineData("\"pipeline\"", "the manifest must be a JSON object, got the string \"pipeline\"")]
    [InlineData("null", "the manifest must be a JSON object, got null")]
    public void Parse_NotAnObject_IsRejected(string json, string message)
    {
        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(json));

        Assert.Equal(new ManifestProblem("", message), Assert.Single(error.Problems));
    }

    [Fact]
    public void Parse_UnknownFields_AreEachReportedWithTheirPath()
    {
        const string Json = """
            { "version": 1, "name": "run", "nmae": "x",
              "data": { "train": ["data"], "textFeild": "body" },
              "method": { "name": "kd", "temprature": 2, "weights": { "kl": 1 } },
              "training": { "stepz": 5, "optimizer": "adamw" },
              "evaluation": { "gates": { "maxPerplexity": 2 } } }
            """;

        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(Json));

        Assert.Equal(
        [
            new("data.textFeild", "unknown field (did you mean 'textField'?)"),
            new("method.temprature", "unknown field (did you mean 'temperature'?)"),
            new("method.weights.kl", "unknown field (did you mean 'kd'?)"),
            new("training.stepz", "unknown field (did you mean 'steps'?)"),
            new("training.optimizer", "unknown field (known: steps, batchSize, gradientAccumulation, learningRate, minLearningRate, warmupSteps, weightDecay, maxGradNorm, seed, checkpointEvery, evaluateEvery, device, bf16, filterSteps)"),
            new("evaluation.gates.maxPerplexity", "unknown field (did you mean 'maxPerplexityRatio'?)"),
            new("nmae", "unknown field (did you mean 'name'?)"),
        ], error.Problems);
    }

    [Fact]
    public void Parse_WrongKinds_AreEachReportedWithTheirPathAndValue()
    {
        const string Json = """
            { "version": 1, "name": 7,
              "data": { "train": "data/train.jsonl", "blockSize": "64", "maskPrompts": "yes", "invalidRecords": "ignore" },
              "student": { "layers": 2.5, "hiddenSize": 3000000000, "seed": -1, "init": 1 },
              "method": { "name": "kd", "temperature": "2" },
              "training": { "steps": null, "device": "gpu", "learningRate": true },
              "evaluation": { "prompts": ["a", 3], "gates": [] },
              "output": null }
            """;

        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(Json));

        Assert.Equal(
        [
            new("name", "must be a string, got 7"),
            new("data.train", "must be an array, got the string \"data/train.jsonl\""),
            new("data.blockSize", "must be an integer, got the string \"64\""),
            new("data.maskPrompts", "must be true or false, got the string \"yes\""),
            new("data.invalidRecords", "unknown value 'ignore' (known: fail, skip)"),
            new("student.layers", "must be an integer, got 2.5"),
            new("student.hiddenSize", "must be an integer from -2147483648 to 2147483647, got 3000000000"),
            new("student.seed", "must be an integer from 0 to 18446744073709551615, got -1"),
            new("student.init", "must be one of teacher-layers, random, got 1"),
            new("method.temperature", "must be a number, got the string \"2\""),
            new("training.steps", "must be an integer, got null"),
            new("training.device", "unknown value 'gpu' (known: auto, cpu, cuda)"),
            new("training.learningRate", "must be a number, got true"),
            new("evaluation.prompts[1]", "must be a string, got 3"),
            new("evaluation.gates", "must be an object, got an array"),
            new("output", "must be an object, got null"),
        ], error.Problems);
    }

    [Fact]
    public void Parse_ShapeAndValidationProblems_AreReportedTogether()
    {
        const string Json = """
            { "version": 1, "name": "Run 1",
              "data": { "train": ["../secrets"], "blockSize": 1, "extra": true },
              "student": { "hiddenSize": 30, "heads": 4 },
              "training": { "steps": 0, "batchSize": "8" } }
            """;

        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(Json, "pipeline.json"));

        Assert.Equal(
        [
            new("name", "'Run 1' has 'R' at 0; only lowercase letters, digits and '-' are allowed"),
            new("data.extra", "unknown field (known: train, validation, textField, messagesField, maskPrompts, blockSize, validationFraction, textDocuments, documentSeparator, invalidRecords)"),
            new("data.train[0]", "'../secrets' leaves the upload ('..' is not allowed); paths are relative to the upload's root"),
            new("data.blockSize", "must be at least 2, got 1"),
            new("student.hiddenSize", "4 heads do not divide hidden_size 30"),
            new("method", "is required: the distillation method, e.g. {\"name\": \"kd\"} (known: ce, kd, reverse-kl, atkd, ted, lwd, feature-alignment)"),
            new("training.batchSize", "must be an integer, got the string \"8\""),
            new("training.steps", "must be at least 1, got 0"),
        ], error.Problems);
        Assert.StartsWith("pipeline.json: 8 problems: name: 'Run 1' has 'R' at 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValueRemovedForItsKind_IsNotReportedAgainAsMissing()
    {
        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse("""{ "version": 1, "name": "run", "data": [], "method": 5 }"""));

        Assert.Equal([new("data", "must be an object, got an array"), new("method", "must be an object, got 5")], error.Problems);
    }

    [Fact]
    public void Parse_DuplicateField_IsReported()
    {
        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(ManifestExamples.With("training", "\"steps\": 5, \"steps\": 6")));

        Assert.Equal(new ManifestProblem("training.steps", "appears twice"), Assert.Single(error.Problems));
    }

    [Fact]
    public void Parse_MissingVersion_IsRequired()
    {
        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse("""{ "name": "run", "data": { "train": ["data"] }, "method": { "name": "kd" } }"""));

        Assert.Equal(new ManifestProblem("version", "is required; write \"version\": 1"), Assert.Single(error.Problems));
    }

    [Fact]
    public void Parse_AnotherVersion_ReportsOnlyTheVersion()
    {
        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse("""{ "version": 2, "name": "Bad Name", "newSection": {} }"""));

        Assert.Equal(new ManifestProblem("version", "unsupported version 2; this Distill reads version 1"), Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_ReadsTheFileAndNamesItInErrors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"distill-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "version": 1 }""");
        try
        {
            var error = Assert.Throws<ManifestException>(() => PipelineManifest.Load(path));

            Assert.Equal(path, error.FileName);
            Assert.StartsWith(path + ": 3 problems: name: is required", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Sha256_IsTheLowercaseHexDigestOfTheBytes()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", PipelineManifest.Sha256("abc"u8));
    }
}
