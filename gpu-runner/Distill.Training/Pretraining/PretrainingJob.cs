using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Tokenizers;
using Distill.Training.Trainers;

namespace Distill.Training.Pretraining;

/// <summary>
/// Trains a small causal language model from scratch on a corpus and writes it as a Hugging Face model folder
/// (config.json, model.safetensors, tokenizer files) with a <c>training.json</c> report, so the folder can serve as a
/// teacher. The steps: a byte-level BPE tokenizer learned from the corpus (unless one is given), the tokenized dataset,
/// a freshly initialised model, and the <see cref="Trainer"/> with a <see cref="LanguageModelingObjective"/>.
/// </summary>
/// <remarks>
/// Everything between sessions lives in the folder's work area (<see cref="WorkFolderName"/>): <c>run.json</c> (the
/// settings), <c>tokenizer/</c>, <c>dataset/</c> and <c>checkpoints/</c>. Running the job again with the same settings
/// reuses the tokenizer and dataset and resumes from the newest checkpoint: after a cancellation (which saves one) it
/// continues, and with more steps it extends a finished training. The work area may be deleted once the model is final.
/// </remarks>
public sealed class PretrainingJob
{
    public const string WorkFolderName = ".pretraining";
    public const string SetupFileName = "run.json";
    public const string ReportFileName = "training.json";
    private const string TokenizerFolderName = "tokenizer";
    private const string DatasetFolderName = "dataset";
    private const string CheckpointsFolderName = "checkpoints";
    private const string TrainedFromFileName = "trained-from.key";

    private readonly PretrainingOptions _options;

    /// <exception cref="Distill.Contracts.Models.StudentShapeException">The shape cannot be built.</exception>
    /// <exception cref="TrainerOptionsException">A training setting is invalid.</exception>
    /// <exception cref="ArgumentException">Another option is invalid.</exception>
    public PretrainingJob(PretrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Folder = Path.GetFullPath(options.OutputFolder);
    }

    /// <summary>The model folder (full path).</summary>
    public string Folder { get; }

    public string WorkFolder => Path.Combine(Folder, WorkFolderName);

    /// <summary>Where the checkpoints are (a <see cref="LocalCheckpointStore"/>).</summary>
    public string CheckpointFolder => Path.Combine(WorkFolder, CheckpointsFolderName);

    private string TokenizerFolder => Path.Combine(WorkFolder, TokenizerFolderName);

    /// <summary>
    /// Runs the job (or its next session). Cancellation during training stops after the current step and saves a
    /// checkpoint: the report then says <see cref="PretrainingReport.Completed"/> = false. Cancellation before training
    /// throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="PretrainingFolderException">The output folder holds something else, or a training with other settings.</exception>
    /// <exception cref="DataFormatException">The inputs cannot be read (every problem listed with file and line).</exception>
    /// <exception cref="TokenizerFormatException">The given tokenizer cannot be read.</exception>
    /// <exception cref="CheckpointException">The checkpoint to resume from cannot be read.</exception>
    public async Task<PretrainingReport> RunAsync(IProgress<PretrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var files = DocumentReader.ListFiles(_options.Inputs);
        var givenTokenizer = _options.Tokenizer is null ? null : TokenizerFiles.ResolveJson(_options.Tokenizer);
        if (givenTokenizer is not null)
        {
            BpeTokenizer.Load(givenTokenizer);
        }
        var setup = PretrainingSetup.Create(_options, givenTokenizer is null ? PretrainingSetup.TrainedTokenizer : TokenizerFiles.Identity(givenTokenizer));
        PrepareFolder(setup);

        bool tokenizerReused;
        if (givenTokenizer is null)
        {
            tokenizerReused = TrainTokenizer(files, progress, cancellationToken);
        }
        else
        {
            TokenizerFiles.CopyTo(givenTokenizer, TokenizerFolder);
            tokenizerReused = false;
        }
        var tokenizer = BpeTokenizer.Load(TokenizerFolder);
        var tokenizerId = TokenizerFiles.Identity(TokenizerFolder);

        var build = BuildDataset(tokenizer, tokenizerId, progress, cancellationToken);
        using var dataset = TokenDataset.Open(build.Folder);
        var config = _options.CreateConfig(tokenizer.VocabSize, tokenizer.BosTokenId, tokenizer.EosTokenId);
        using var model = CausalLanguageModel.CreateInitialized(config, _options.Seed, _options.Device);
        var store = new LocalCheckpointStore(CheckpointFolder);
        if (store.ReadPointer() is { } pointer)
        {
            progress?.Report(new PretrainingProgress
            {
                Stage = PretrainingStage.Training,
                Done = pointer.Step,
                Total = _options.Steps,
                Message = string.Create(CultureInfo.InvariantCulture, $"resuming from the checkpoint of step {pointer.Step}"),
            });
        }
        var relay = new TrainingRelay(progress);
        var result = await new Trainer(_options.ToTrainerOptions(), store)
            .RunAsync(new LanguageModelingObjective(model), dataset, relay, cancellationToken)
            .ConfigureAwait(false);

        var state = store.ReadPointer() is { } latest ? TrainerCheckpoint.ReadState(Path.Combine(store.Root, latest.Folder)) : null;
        var index = build.Index;
        var report = new PretrainingReport
        {
            Folder = Folder,
            Completed = result.Completed,
            Step = result.Step,
            TotalSteps = result.TotalSteps,
            ResumedFromStep = result.ResumedFromStep,
            Setup = setup,
            Parameters = model.ParameterCount(),
            VocabSize = tokenizer.VocabSize,
            TokenizerReused = tokenizerReused,
            DatasetReused = build.Reused,
            Documents = index.Train.Documents + index.Validation.Documents,
            TrainTokens = index.Train.Tokens,
            ValidationTokens = index.Validation.Tokens,
            TrainBlocks = index.Train.Blocks,
            ValidationBlocks = index.Validation.Blocks,
            SkippedRecords = index.Skipped.Count,
            FirstLoss = result.Losses.Count > 0 ? result.Losses[0].Loss : null,
            FinalLoss = result.Losses.Count > 0 ? result.Losses[^1].Loss : null,
            ValidationLoss = result.ValidationLoss ?? result.Losses.LastOrDefault(p => p.ValidationLoss is not null)?.ValidationLoss,
            TokensPerSecond = state is { TrainingSeconds: > 0 } ? state.Tokens / state.TrainingSeconds : result.TokensPerSecond,
            TrainingSeconds = state?.TrainingSeconds ?? result.Elapsed.TotalSeconds,
            Tokens = state?.Tokens ?? 0,
            Losses = result.Losses,
        };
        if (result.Completed)
        {
            progress?.Report(new PretrainingProgress { Stage = PretrainingStage.Saving, Message = $"writing the model to {Folder}" });
            ModelCheckpoint.Save(model, Folder, TokenizerFolder);
            WriteAtomically(Path.Combine(Folder, ReportFileName), JsonSerializer.Serialize(report, PretrainingJsonContext.Default.PretrainingReport));
        }
        return report;
    }

    /// <summary>Reads training.json of a model folder written by a completed job.</summary>
    public static PretrainingReport ReadReport(string folder)
    {
        var path = Path.Combine(folder, ReportFileName);
        return JsonSerializer.Deserialize(File.ReadAllBytes(path), PretrainingJsonContext.Default.PretrainingReport)
            ?? throw new JsonException($"{path}: the report is null");
    }

    /// <summary>
    /// Makes sure the folder is this training's: a new or empty folder gets the work area and run.json; a folder with
    /// run.json must hold the same settings; any other folder with files is refused.
    /// </summary>
    private void PrepareFolder(PretrainingSetup setup)
    {
        var setupPath = Path.Combine(WorkFolder, SetupFileName);
        if (File.Exists(setupPath))
        {
            PretrainingSetup? earlier;
            try
            {
                earlier = JsonSerializer.Deserialize(File.ReadAllBytes(setupPath), PretrainingJsonContext.Default.PretrainingSetup);
            }
            catch (JsonException e)
            {
                throw new PretrainingFolderException($"{setupPath}: not a valid record of an earlier training ({e.Message}); choose another output folder", e);
            }
            if (earlier is null || earlier.Format != PretrainingSetup.FormatName || earlier.Version != PretrainingSetup.CurrentVersion)
            {
                throw new PretrainingFolderException($"{setupPath}: format '{earlier?.Format}' version {earlier?.Version} is not a training this Distill can resume; choose another output folder");
            }
            var differences = setup.Differences(earlier);
            if (differences.Count > 0)
            {
                throw new PretrainingFolderException(
                    $"{Folder} holds a training with other settings, which cannot be resumed: {string.Join("; ", differences)}. " +
                    "Run with the earlier settings to resume it (only the steps may change), or choose another output folder.",
                    differences);
            }
            return;
        }
        if (Directory.Exists(Folder))
        {
            var entries = Directory.EnumerateFileSystemEntries(Folder)
                .Select(Path.GetFileName)
                .Where(n => n != WorkFolderName || Directory.EnumerateFileSystemEntries(WorkFolder).Any())
                .Order(StringComparer.Ordinal)
                .ToList();
            if (entries.Count > 0)
            {
                var shown = string.Join(", ", entries.Take(5)) + (entries.Count > 5 ? $" and {entries.Count - 5} more" : "");
                throw new PretrainingFolderException(
                    $"{Folder} is not empty ({shown}) and holds no earlier training ({WorkFolderName}/{SetupFileName}); choose a new or empty output folder");
            }
        }
        Directory.CreateDirectory(WorkFolder);
        WriteAtomically(setupPath, JsonSerializer.Serialize(setup, PretrainingJsonContext.Default.PretrainingSetup));
    }

    /// <summary>
    /// Learns the tokenizer from the inputs into the work area, or keeps the one there when it was learned from the same
    /// file contents and settings. Returns whether it was kept.
    /// </summary>
    private bool TrainTokenizer(IReadOnlyList<string> files, IProgress<PretrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var key = CorpusKey(files);
        var trainedFrom = Path.Combine(TokenizerFolder, TrainedFromFileName);
        if (File.Exists(trainedFrom) && File.ReadAllText(trainedFrom) == key && File.Exists(Path.Combine(TokenizerFolder, TokenizerFiles.TokenizerJsonFileName)))
        {
            progress?.Report(new PretrainingProgress { Stage = PretrainingStage.TrainingTokenizer, Message = "reusing the tokenizer learned by the earlier session" });
            return true;
        }

        var totalBytes = files.Sum(f => new FileInfo(f).Length);
        var trainer = new ByteLevelBpeTrainer(_options.VocabSize);
        var reader = new DocumentReader(_options.ToDataOptions());
        long documents = 0;
        void Report() => progress?.Report(new PretrainingProgress { Stage = PretrainingStage.TrainingTokenizer, Done = reader.BytesRead, Total = totalBytes });
        foreach (var file in files)
        {
            foreach (var document in reader.ReadFile(file))
            {
                foreach (var segment in document.Segments)
                {
                    trainer.AddText(segment.Text);
                }
                if (++documents % 256 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Report();
                }
            }
            Report();
        }
        if (_options.InvalidRecords == InvalidRecordPolicy.Fail && reader.Problems.Count > 0)
        {
            throw new DataFormatException(reader.Problems.ToList());
        }
        if (documents == 0)
        {
            throw new DataFormatException($"the inputs ({string.Join(", ", _options.Inputs)}) hold no documents");
        }
        if (documents == 1 && _options.ValidationFraction > 0)
        {
            throw new DataFormatException(
                $"the inputs ({string.Join(", ", _options.Inputs)}) hold one document, but documents are held out whole for the validation loss, so " +
                "training needs at least two: split the text into paragraphs (blank lines), give a separator line, or use several files or JSONL lines");
        }
        progress?.Report(new PretrainingProgress
        {
            Stage = PretrainingStage.TrainingTokenizer,
            Done = totalBytes,
            Total = totalBytes,
            Message = string.Create(CultureInfo.InvariantCulture, $"learning the merges of a {_options.VocabSize}-token tokenizer from {documents} documents"),
        });
        var vocabulary = trainer.Train();
        cancellationToken.ThrowIfCancellationRequested();

        var staging = Path.Combine(WorkFolder, $"{TokenizerFolderName}.{Guid.NewGuid():N}.tmp");
        vocabulary.Save(staging);
        File.WriteAllText(Path.Combine(staging, TrainedFromFileName), key);
        if (Directory.Exists(TokenizerFolder))
        {
            Directory.Delete(TokenizerFolder, recursive: true);
        }
        Directory.Move(staging, TokenizerFolder);
        return false;
    }

    private TokenDatasetBuildResult BuildDataset(BpeTokenizer tokenizer, string tokenizerId, IProgress<PretrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var builder = new TokenDatasetBuilder(tokenizer, tokenizerId, _options.ToDataOptions()) { MaxDegreeOfParallelism = Environment.ProcessorCount };
        var relay = progress is null
            ? null
            : new BuildRelay(p => progress.Report(new PretrainingProgress { Stage = PretrainingStage.Tokenizing, Done = p.BytesRead, Total = p.Bytes }));
        var result = builder.Build(_options.Inputs, Path.Combine(WorkFolder, DatasetFolderName), relay, cancellationToken);
        if (result.Reused)
        {
            progress?.Report(new PretrainingProgress
            {
                Stage = PretrainingStage.Tokenizing,
                Message = string.Create(CultureInfo.InvariantCulture, $"reusing the tokenized dataset of the earlier session ({result.Index.Train.Tokens:N0} training tokens)"),
            });
        }
        return result;
    }

    /// <summary>What the tokenizer is learned from: its settings and every input file's path and contents.</summary>
    private string CorpusKey(IReadOnlyList<string> files)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.Append(culture, $"vocab_size={_options.VocabSize}\ntext_field={_options.TextField}\ninvalid_records={_options.InvalidRecords}\n");
        text.Append(culture, $"text_documents={_options.ToDataOptions().DescribeTextDocuments()}\n");
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            text.Append(culture, $"file={file} sha256={Convert.ToHexStringLower(SHA256.HashData(stream))}\n");
        }
        return text.ToString();
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path) ?? ".", $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, text + "\n");
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Passes the trainer's reports on as training progress, synchronously on the training thread.</summary>
    private sealed class TrainingRelay(IProgress<PretrainingProgress>? progress) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) =>
            progress?.Report(new PretrainingProgress { Stage = PretrainingStage.Training, Done = value.Step, Total = value.TotalSteps, Training = value });
    }

    private sealed class BuildRelay(Action<TokenDatasetBuildProgress> report) : IProgress<TokenDatasetBuildProgress>
    {
        public void Report(TokenDatasetBuildProgress value) => report(value);
    }
}
