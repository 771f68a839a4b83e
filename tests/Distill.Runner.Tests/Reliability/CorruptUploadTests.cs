using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Runner.Tests.Support;

namespace Distill.Runner.Tests.Reliability;

/// <summary>Corrupt uploads fail alone, each with one clear reason, while a good run trains beside them.</summary>
[Collection(TrainingGroup.Name)]
[Trait("Category", "Integration")]
public sealed class CorruptUploadTests(TinyModels models)
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Pipeline_CorruptUploadsBesideARunInFlight_EachFailsNamingItsProblemAndTheRunCompletes()
    {
        await using var pipeline = await LocalPipeline.StartAsync(models);
        pipeline.StartRunner("runner-a");
        var healthyUpload = await pipeline.SubmitAsync("healthy", TestManifests.Kd(name: "healthy", steps: 12, checkpointEvery: 4));
        await pipeline.WaitForStateAsync("healthy", s => s.Stage(StageNames.Distill).Status == StageStatus.Running, s_runTimeout, "distill running");

        // Uploaded blob by blob, as any client may, so the pipeline's own checks are what catches them: the upload check
        // for the first three; the runner's prepare stage for a tokenizer that is well-formed but another model's.
        var corrupt = new (string RunId, string File, string Problem, Func<Task<Dictionary<string, byte[]>>> Submit)[]
        {
            ("truncated", "uploads/truncated/teacher/model.safetensors: ", "the file is truncated", () => pipeline.SubmitAsync("truncated", TestManifests.Kd(name: "truncated"),
                editTeacher: teacher =>
                {
                    var weights = Path.Join(teacher, "model.safetensors");
                    var bytes = File.ReadAllBytes(weights);
                    File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
                })),
            ("bad-manifest", "uploads/bad-manifest/pipeline.json: ", "magic", () => pipeline.SubmitAsync("bad-manifest",
                TestManifests.Kd(name: "bad-manifest").Replace("\"name\": \"kd\"", "\"name\": \"magic\"", StringComparison.Ordinal))),
            ("no-tokenizer", "uploads/no-tokenizer/teacher/tokenizer.json: ", "missing", () => pipeline.SubmitAsync("no-tokenizer", TestManifests.Kd(name: "no-tokenizer"),
                editTeacher: teacher => File.Delete(Path.Join(teacher, "tokenizer.json")))),
            ("foreign-tokenizer", "uploads/foreign-tokenizer/teacher: ",
                "tokenizer.json has 320 tokens but config.json's vocab_size is 300: the tokenizer does not belong to this model", () => pipeline.SubmitAsync("foreign-tokenizer",
                TestManifests.Kd(name: "foreign-tokenizer"),
                editTeacher: teacher => File.Copy(Path.Join(models.LargerTokenizerFolder, "tokenizer.json"), Path.Join(teacher, "tokenizer.json"), overwrite: true))),
        };
        var uploads = await Task.WhenAll(corrupt.Select(c => c.Submit()));

        foreach (var (runId, file, problem, _) in corrupt)
        {
            var state = await pipeline.WaitForFinishAsync(runId, s_runTimeout);
            Assert.Equal(RunStatus.Failed, state.Status);
            var failed = Assert.Single(await pipeline.EventsAsync(runId), e => e.Type == DistillEventTypes.PipelineFailed);
            var reasons = DistillEvents.ReadData<PipelineFailed>(failed).Reasons;
            TestContext.Current.TestOutputHelper?.WriteLine($"{runId}: {string.Join(" | ", reasons)}");
            Assert.True(reasons.Any(r => r.StartsWith(file, StringComparison.Ordinal) && r.Contains(problem, StringComparison.Ordinal)),
                $"run {runId}: no reason names {file} and says '{problem}': {string.Join(" | ", reasons)}");
            // Nothing trained: refused at the upload, or failed in prepare.
            Assert.DoesNotContain(await pipeline.EventsAsync(runId), e => e.Type == DistillEventTypes.StageStarted && DistillEvents.ReadData<StageStarted>(e).Stage != StageNames.Prepare);
        }
        Assert.Equal(StageNames.Prepare, (await pipeline.StateAsync("foreign-tokenizer"))!.Failure?.Stage);

        // The run in flight finishes as if alone, its upload untouched; the corrupt uploads stay as they came for a look.
        var healthy = await pipeline.WaitForFinishAsync("healthy", s_runTimeout);
        Assert.True(healthy.Status == RunStatus.Completed, pipeline.DescribeRunners());
        Assert.Single(await pipeline.EventsAsync("healthy"), e => e.Type == DistillEventTypes.PipelineCompleted);
        Assert.True(await pipeline.ExistsAsync(BlobPaths.PublishedModel("healthy", "healthy").Child("model.safetensors")));
        AssertSameBlobs(healthyUpload, await pipeline.ReadFolderAsync(BlobPaths.Upload("healthy")));
        for (var i = 0; i < corrupt.Length; i++)
        {
            AssertSameBlobs(uploads[i], await pipeline.ReadFolderAsync(BlobPaths.Upload(corrupt[i].RunId)));
        }
    }

    private static void AssertSameBlobs(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, content) in expected)
        {
            Assert.True(content.AsSpan().SequenceEqual(actual[name]), $"{name} changed");
        }
    }
}
