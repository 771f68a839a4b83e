using Distill.Contracts.Stages;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Runner.Stages;

/// <summary>
/// <c>prepare</c>: loads the teacher fully (a truncated or corrupt checkpoint, or a tokenizer that does not belong to it,
/// fails here as bad input), checks the manifest against its shape, tokenizes the data with its tokenizer and uploads the
/// dataset folder as the <c>dataset</c> artifact.
/// </summary>
public sealed class PrepareStage : IStageExecutor
{
    public async Task<StageResult> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var manifest = context.Manifest;
        var teacherFolder = await context.UploadPathAsync(manifest.Teacher.Path, cancellationToken).ConfigureAwait(false);
        // The CPU is enough to check every tensor; tokenizing needs only the tokenizer.
        using var teacher = PretrainedModel.Load(teacherFolder, Device.Cpu);
        manifest.ThrowIfInvalid(teacher.Model.Config);

        var train = new List<string>();
        foreach (var path in manifest.Data.Train ?? [])
        {
            train.Add(await context.UploadPathAsync(path, cancellationToken).ConfigureAwait(false));
        }
        List<string>? validation = null;
        if (manifest.Data.Validation is { } validationPaths)
        {
            validation = [];
            foreach (var path in validationPaths)
            {
                validation.Add(await context.UploadPathAsync(path, cancellationToken).ConfigureAwait(false));
            }
        }
        var folder = Path.Join(context.WorkFolder, ArtifactNames.Dataset);
        var index = DatasetPreparation.Build(teacher.Tokenizer, teacher.TokenizerId, ManifestTraining.DataOptions(manifest), train, validation,
            folder, Path.Join(context.WorkFolder, "splits"), cancellationToken);
        var artifact = await context.PublishArtifactAsync(ArtifactNames.Dataset, folder, cancellationToken).ConfigureAwait(false);

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["blockSize"] = index.BlockSize,
            ["trainDocuments"] = index.Train.Documents,
            ["trainTokens"] = index.Train.Tokens,
            ["trainBlocks"] = index.Train.Blocks,
            ["validationDocuments"] = index.Validation.Documents,
            ["validationTokens"] = index.Validation.Tokens,
            ["validationBlocks"] = index.Validation.Blocks,
            ["skippedRecords"] = index.Skipped.Count,
            ["teacherParameters"] = teacher.Model.ParameterCount(),
        };
        return StageResult.Done(metrics, new Dictionary<string, string>(StringComparer.Ordinal) { [ArtifactNames.Dataset] = artifact });
    }
}
