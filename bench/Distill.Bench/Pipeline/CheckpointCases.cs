using Distill.Bench.Measurement;
using Distill.Contracts.Models;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Runner;
using Distill.Runner.Storage;
using Distill.Torch;
using Distill.Torch.Optim;
using Distill.Torch.Serialization;
using Distill.Training.Models;
using Distill.Training.Trainers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distill.Bench.Pipeline;

/// <summary>
/// The checkpoint case: a GPT-2's weights and AdamW moments written as the trainer writes them
/// (<c>weights.safetensors</c>, <c>optimizer.safetensors</c>), saved per run by a <see cref="BlobCheckpointStore"/> into
/// a <see cref="FolderBlobStore"/> (keeping one, so each save also prunes the last), against copying the same files
/// into a new folder with a stream copy flushed to disk, as the blob store flushes each blob (and deleting the last copy).
/// </summary>
public static class CheckpointCases
{
    public static (LocalSide Store, LocalSide Copy, long Bytes) Create(string folder, (int Hidden, int Layers, int Vocab) model)
    {
        var staged = Path.Join(folder, "staged");
        Directory.CreateDirectory(staged);
        WriteCheckpoint(staged, model);
        var files = Directory.GetFiles(staged).Order(StringComparer.Ordinal).ToArray();
        var bytes = files.Sum(f => new FileInfo(f).Length);

        var blobs = new FolderBlobStore(Path.Join(folder, "blobs"), TimeProvider.System);
        blobs.CreateContainerIfNotExistsAsync(BlobPaths.RunsContainer, CancellationToken.None).GetAwaiter().GetResult();
        var fence = new StageFence();
        var store = new BlobCheckpointStore(blobs, "bench-run", "distill", Path.Join(folder, "work"), fence, NullLogger.Instance);
        long step = 0;
        var storeSide = new LocalSide(() => store.SaveAsync(staged, ++step, keep: 1, CancellationToken.None).GetAwaiter().GetResult(),
            () => new Dictionary<string, double> { ["bytes"] = bytes, ["files"] = files.Length }, blobs, fence);

        var copies = Path.Join(folder, "copies");
        var copy = 0;
        var copySide = new LocalSide(() =>
        {
            var target = Path.Join(copies, (++copy).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(target);
            foreach (var file in files)
            {
                using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                using var destination = new FileStream(Path.Join(target, Path.GetFileName(file)), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                source.CopyTo(destination, 1 << 20);
                destination.Flush(flushToDisk: true);
            }
            var last = Path.Join(copies, (copy - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (Directory.Exists(last))
            {
                Directory.Delete(last, recursive: true);
            }
        }, () => new Dictionary<string, double> { ["bytes"] = bytes, ["files"] = files.Length });
        return (storeSide, copySide, bytes);
    }

    /// <summary>The trainer's two tensor files for a GPT-2 after one AdamW step (so the moments are real tensors).</summary>
    private static void WriteCheckpoint(string folder, (int Hidden, int Layers, int Vocab) size)
    {
        var config = new ModelConfig
        {
            ModelType = "gpt2",
            VocabSize = size.Vocab,
            HiddenSize = size.Hidden,
            NumLayers = size.Layers,
            NumHeads = 6,
            NumKeyValueHeads = 6,
            HeadDim = size.Hidden / 6,
            IntermediateSize = 4 * size.Hidden,
            MaxPositions = 64,
            NormEps = 1e-5,
            Activation = "gelu_new",
            TieWordEmbeddings = true,
            QkvBias = true,
            AttentionOutputBias = true,
            MlpBias = true,
        };
        using var model = CausalLanguageModel.CreateInitialized(config, seed: 3);
        using var optimizer = AdamW.ForModule(model, learningRate: 1e-3, weightDecay: 0.1);
        using (TensorScope.Begin())
        {
            using var generator = new Generator(5);
            var tokens = Tensor.RandInt(0, size.Vocab, [2, 32], generator);
            var logits = model.Forward(tokens).Logits!;
            Functional.CrossEntropy(logits.View(-1, size.Vocab), tokens.View(-1)).Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        SafeTensors.Write(Path.Join(folder, TrainerCheckpoint.WeightsFileName), model.StateDict().Select(p => new KeyValuePair<string, Tensor>("student." + p.Key, p.Value)));
        SafeTensors.Write(Path.Join(folder, TrainerCheckpoint.OptimizerFileName), optimizer.StateDict());
    }
}
