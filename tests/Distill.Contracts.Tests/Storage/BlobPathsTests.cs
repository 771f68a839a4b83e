using Distill.Contracts.Storage;

namespace Distill.Contracts.Tests.Storage;

public sealed class BlobPathsTests
{
    [Fact]
    public void Paths_FollowTheLayout()
    {
        Assert.Equal("uploads/run42", BlobPaths.Upload("run42").ToString());
        Assert.Equal("uploads/run42/pipeline.json", BlobPaths.UploadManifest("run42").ToString());
        Assert.Equal("uploads/run42/teacher/config.json", BlobPaths.UploadFile("run42", "teacher/config.json").ToString());
        Assert.Equal("uploads/run42/data", BlobPaths.UploadFile("run42", "data/").ToString());
        Assert.Equal("runs/run42/state.json", BlobPaths.RunState("run42").ToString());
        Assert.Equal("runs/run42/stages/distill/lease", BlobPaths.StageLease("run42", "distill").ToString());
        Assert.Equal("runs/run42/stages/distill/checkpoints", BlobPaths.StageCheckpoints("run42", "distill").ToString());
        Assert.Equal("runs/run42/stages/distill/last-error-2.json", BlobPaths.StageLastError("run42", "distill", 2).ToString());
        Assert.Equal("runs/run42/stages/distill/checkpoints/step-000000100-3f2a9c1e", BlobPaths.StageCheckpoint("run42", "distill", "step-000000100-3f2a9c1e").ToString());
        Assert.Equal("runs/run42/stages/distill/checkpoints/latest.json", BlobPaths.StageCheckpointPointer("run42", "distill").ToString());
        Assert.Equal("runs/run42/artifacts/dataset", BlobPaths.Artifact("run42", "dataset").ToString());
        Assert.Equal("runs/run42/report", BlobPaths.Report("run42").ToString());
        Assert.Equal("models/tiny-gpt2/run42", BlobPaths.PublishedModel("tiny-gpt2", "run42").ToString());
    }

    [Fact]
    public void Locations_AreContainerAndName()
    {
        var state = BlobPaths.RunState("run42");

        Assert.Equal((BlobPaths.RunsContainer, "run42/state.json"), (state.Container, state.Name));
        Assert.Equal("run42/", BlobPaths.Run("run42").Prefix);
        JsonAssert.RoundTrips(state, ContractsJsonContext.Default.BlobLocation, """{"container":"runs","name":"run42/state.json"}""");
    }

    [Theory]
    [InlineData("", "uploadId is empty")]
    [InlineData("Run42", "uploadId 'Run42' has 'R' at 0; only lowercase letters, digits and '-' are allowed")]
    [InlineData("run/42", "uploadId 'run/42' has '/' at 3; only lowercase letters, digits and '-' are allowed")]
    [InlineData("..", "uploadId '..' has '.' at 0; only lowercase letters, digits and '-' are allowed")]
    [InlineData("-run", "uploadId '-run' starts with '-'; it must start with a letter or digit")]
    public void Upload_InvalidId_IsRejected(string id, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => BlobPaths.Upload(id));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("uploadId", error.ParamName);
    }

    [Fact]
    public void Paths_InvalidNamesAndSegments_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => BlobPaths.Stage("run42", "Distill"));
        Assert.Throws<ArgumentException>(() => BlobPaths.Artifact("run42", "../x"));
        Assert.Throws<ArgumentException>(() => BlobPaths.PublishedModel("My Model", "run42"));
        Assert.Throws<ArgumentException>(() => BlobPaths.StageCheckpoint("run42", "distill", "a/b"));
        Assert.Throws<ArgumentException>(() => BlobPaths.StageCheckpoint("run42", "distill", ".."));
        Assert.Throws<ArgumentException>(() => BlobPaths.UploadFile("run42", "../other/pipeline.json"));
        Assert.Throws<ArgumentException>(() => BlobPaths.UploadFile("run42", "/etc/passwd"));
    }

    [Fact]
    public void IdProblem_AcceptsTheLongestAllowedId()
    {
        Assert.Null(BlobPaths.IdProblem(new string('a', 63)));
        Assert.Equal("has 64 characters; at most 63 are allowed", BlobPaths.IdProblem(new string('a', 64)));
        Assert.True(BlobPaths.IsValidId("0-run"));
    }

    [Theory]
    [InlineData("uploads", "run42/pipeline.json", "run42")]
    [InlineData("uploads", "2026-01-02-demo/pipeline.json", "2026-01-02-demo")]
    public void TryParseUploadManifest_ManifestOfAnUpload_GivesTheUploadId(string container, string blob, string id)
    {
        Assert.True(BlobPaths.TryParseUploadManifest(container, blob, out var uploadId));
        Assert.Equal(id, uploadId);
    }

    [Theory]
    [InlineData("runs", "run42/pipeline.json")]
    [InlineData("uploads", "pipeline.json")]
    [InlineData("uploads", "run42/teacher/pipeline.json")]
    [InlineData("uploads", "run42/data/train.jsonl")]
    [InlineData("uploads", "run42/pipeline.json.tmp")]
    [InlineData("uploads", "run42/Pipeline.json")]
    [InlineData("uploads", "Run42/pipeline.json")]
    [InlineData("uploads", "/pipeline.json")]
    [InlineData("uploads", "run42/")]
    public void TryParseUploadManifest_AnyOtherBlob_IsNotAManifest(string container, string blob)
    {
        Assert.False(BlobPaths.TryParseUploadManifest(container, blob, out var uploadId));
        Assert.Null(uploadId);
    }

    [Theory]
    [InlineData("/blobServices/default/containers/uploads/blobs/run42/pipeline.json", true, "run42")]
    [InlineData("/blobServices/default/containers/uploads/blobs/run42/manifest.json", false, null)]
    [InlineData("/blobServices/default/containers/runs/blobs/run42/pipeline.json", false, null)]
    [InlineData("/blobServices/default/containers/uploads/blobs/a/b/pipeline.json", false, null)]
    [InlineData("uploads/run42/pipeline.json", false, null)]
    public void TryParseUploadManifestSubject_ReadsEventGridSubjects(string subject, bool matches, string? id)
    {
        Assert.Equal(matches, BlobPaths.TryParseUploadManifestSubject(subject, out var uploadId));
        Assert.Equal(id, uploadId);
    }

    [Fact]
    public void SameUploadTwice_NamesOneRun()
    {
        Assert.True(BlobPaths.TryParseUploadManifest("uploads", "run42/pipeline.json", out var first));
        Assert.True(BlobPaths.TryParseUploadManifestSubject("/blobServices/default/containers/uploads/blobs/run42/pipeline.json", out var second));

        Assert.Equal(BlobPaths.RunState(first), BlobPaths.RunState(second));
    }
}
