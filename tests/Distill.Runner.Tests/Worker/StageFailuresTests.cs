using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Pipeline.Storage;
using Distill.Training.Data;
using Distill.Training.Distillation;
using Distill.Training.Models;
using Distill.Training.Tokenizers;
using Distill.Training.Trainers;

namespace Distill.Runner.Tests.Worker;

public sealed class StageFailuresTests
{
    public static TheoryData<Exception> BadInput() =>
    [
        new DataFormatException("data/train.jsonl: no documents"),
        new ManifestException("pipeline.json", [new ManifestProblem("training.steps", "must be at least 1")]),
        new MethodOptionsException(["method.ted.filterWidth: must be ≥ 1"]),
        new StudentShapeException("heads do not divide hidden_size"),
        new ModelConfigException("config.json: model_type 'bert' is not supported"),
        new ModelCheckpointException("teacher", "missing tensors"),
        new SafeTensorsFormatException("model.safetensors: the file is truncated"),
        new TokenizerFormatException("tokenizer.json", "model", "type 'WordPiece' is not supported"),
        new TedFilterArtifactException("filters.json: the layout differs"),
        new CheckpointMismatchException("step-000000100-00000000", ["LearningRate"], ["LearningRate was 0.1, now 0.2"]),
        new CheckpointException("latest.json: not a valid checkpoint pointer"),
        new TrainerOptionsException(["BatchSize is 0: must be at least 1"]),
        new StageInputException("uploads/run1/data/train.jsonl does not exist"),
        new JsonException("training-history.json: not a training history"),
    ];

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Classify_BadInput_IsNeverRetried(Exception error)
    {
        var failure = StageFailures.Classify(error, fenced: false, shuttingDown: false);

        Assert.Equal(StageFailureKind.BadInput, failure.Kind);
        Assert.NotEmpty(failure.Reasons);
    }

    public static TheoryData<Exception> Unexpected() =>
    [
        new IOException("the connection was reset"),
        new BlobStoreException(BlobStoreErrorReason.NotFound, "runs", "run1/state.json", "BlobNotFound", "gone"),
        new InvalidOperationException("a bug"),
        new ArgumentException("a bug"),
        new OperationCanceledException(),
    ];

    [Theory]
    [MemberData(nameof(Unexpected))]
    public void Classify_AnythingElse_IsTransient(Exception error)
    {
        Assert.Equal(StageFailureKind.Transient, StageFailures.Classify(error, fenced: false, shuttingDown: false).Kind);
    }

    [Fact]
    public void Classify_AnyErrorOnceFenced_IsFenced()
    {
        Assert.Equal(StageFailureKind.Fenced, StageFailures.Classify(new SafeTensorsFormatException("bad"), fenced: true, shuttingDown: false).Kind);
        Assert.Equal(StageFailureKind.Fenced, StageFailures.Classify(new StageFencedException("lease lost"), fenced: false, shuttingDown: false).Kind);
    }

    [Fact]
    public void Classify_CancellationWhileShuttingDown_IsInterrupted()
    {
        Assert.Equal(StageFailureKind.Interrupted, StageFailures.Classify(new OperationCanceledException(), fenced: false, shuttingDown: true).Kind);
        Assert.Equal(StageFailureKind.BadInput, StageFailures.Classify(new DataFormatException("bad"), fenced: false, shuttingDown: true).Kind);
    }

    [Fact]
    public void Classify_ProblemLists_GiveOneReasonEachWithLocalCachePathsAsBlobNames()
    {
        var cache = Path.Join(Path.GetTempPath(), "runner-cache");
        var error = new DataFormatException(
        [
            new DataProblem(Path.Join(cache, "uploads", "run1", "data", "train.jsonl"), 3, "not JSON"),
            new DataProblem(Path.Join(cache, "uploads", "run1", "data", "train.jsonl"), 9, "no 'text' field"),
        ]);

        var failure = StageFailures.Classify(error, fenced: false, shuttingDown: false, [cache]);

        Assert.Equal(["uploads/run1/data/train.jsonl:3: not JSON", "uploads/run1/data/train.jsonl:9: no 'text' field"], failure.Reasons);
    }

    [Fact]
    public void Classify_ManyProblems_ListsTheFirstAndCountsTheRest()
    {
        var error = new ManifestException("pipeline.json", [.. Enumerable.Range(0, 25).Select(i => new ManifestProblem($"data.train[{i}]", "missing"))]);

        var failure = StageFailures.Classify(error, fenced: false, shuttingDown: false);

        Assert.Equal(StageFailures.MaxReasons + 1, failure.Reasons.Count);
        Assert.Equal("pipeline.json: data.train[0]: missing", failure.Reasons[0]);
        Assert.Equal("and 5 more problem(s) of the same kind", failure.Reasons[^1]);
    }
}
