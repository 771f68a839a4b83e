using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Torch;
using Distill.Torch.Optim;
using Distill.Torch.Serialization;

namespace Distill.Training.Trainers;

/// <summary>
/// The files of one trainer checkpoint folder: <c>weights.safetensors</c> (every trainable module's parameters and
/// buffers as <c>{prefix}.{name}</c>), <c>optimizer.safetensors</c> (the AdamW moments as
/// <c>{prefix}.{name}.exp_avg</c> / <c>.exp_avg_sq</c>) and <c>trainer-state.json</c> (<see cref="TrainerState"/>).
/// </summary>
public static class TrainerCheckpoint
{
    public const string WeightsFileName = "weights.safetensors";
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "trainer-state.json";

    /// <summary>Writes the three files into <paramref name="folder"/>, each flushed to disk.</summary>
    internal static void Write(string folder, IReadOnlyList<TrainableModule> modules, AdamW optimizer, TrainerState state)
    {
        SafeTensors.Write(Path.Combine(folder, WeightsFileName), NamedState(modules));
        SafeTensors.Write(Path.Combine(folder, OptimizerFileName), optimizer.StateDict());
        using var stream = new FileStream(Path.Combine(folder, StateFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        JsonSerializer.Serialize(stream, state, TrainerJsonContext.Default.TrainerState);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Every module's state (parameters and persistent buffers) under its prefix.</summary>
    internal static IEnumerable<KeyValuePair<string, Tensor>> NamedState(IReadOnlyList<TrainableModule> modules) =>
        modules.SelectMany(m => m.Module.StateDict().Select(p => new KeyValuePair<string, Tensor>(m.Prefix + "." + p.Key, p.Value)));

    /// <summary>Reads <c>trainer-state.json</c> of a checkpoint folder.</summary>
    /// <exception cref="CheckpointException">The file is missing, malformed or of an unknown format.</exception>
    public static TrainerState ReadState(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var path = Path.Combine(folder, StateFileName);
        TrainerState? state;
        try
        {
            using var stream = File.OpenRead(path);
            state = JsonSerializer.Deserialize(stream, TrainerJsonContext.Default.TrainerState);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot be read: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: not a valid trainer state: {e.Message}", e);
        }
        if (state is null || state.Format != TrainerState.FormatName)
        {
            throw new CheckpointException($"{path}: the format is '{state?.Format}', expected '{TrainerState.FormatName}'");
        }
        if (state.Version != TrainerState.CurrentVersion)
        {
            throw new CheckpointException($"{path}: version {state.Version} is not supported (this build reads version {TrainerState.CurrentVersion})");
        }
        if (state.Step < 0 || state.OptimizerStepCount < 0 || state.DataCursor.Epoch < 0 || state.DataCursor.Position < 0)
        {
            throw new CheckpointException($"{path}: the step ({state.Step}), optimizer step count ({state.OptimizerStepCount}) and data cursor ({state.DataCursor}) must not be negative");
        }
        return state;
    }

    /// <summary>
    /// Loads the weights of a checkpoint folder into <paramref name="modules"/> (strictly: every tensor of each module
    /// present with its shape, and no tensor under another prefix).
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing or malformed, or does not fit the modules.</exception>
    public static void LoadWeights(string folder, IReadOnlyList<TrainableModule> modules, Device device)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(modules);
        var path = Path.Combine(folder, WeightsFileName);
        using var scope = TensorScope.Begin();
        var tensors = Load(path, device);
        var unknown = tensors.Keys.Where(k => !modules.Any(m => k.StartsWith(m.Prefix + ".", StringComparison.Ordinal))).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new CheckpointException($"{path}: tensors of no trainable module: {string.Join(", ", unknown.Take(10))}{(unknown.Count > 10 ? $" and {unknown.Count - 10} more" : "")}");
        }
        foreach (var module in modules)
        {
            var prefix = module.Prefix + ".";
            var own = tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal);
            try
            {
                module.Module.LoadStateDict(own);
            }
            catch (InvalidDataException e)
            {
                throw new CheckpointException($"{path}: module '{module.Prefix}': {e.Message}", e);
            }
        }
    }

    /// <summary>Loads the optimizer moments of a checkpoint folder and sets the step count.</summary>
    internal static void LoadOptimizer(string folder, AdamW optimizer, long stepCount, Device device)
    {
        var path = Path.Combine(folder, OptimizerFileName);
        using var scope = TensorScope.Begin();
        var tensors = Load(path, device);
        try
        {
            optimizer.LoadStateDict(tensors, stepCount);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{path}: {e.Message}", e);
        }
    }

    private static Dictionary<string, Tensor> Load(string path, Device device)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException($"{path}: the file is missing");
        }
        try
        {
            return SafeTensors.LoadCheckpoint(path, device);
        }
        catch (SafeTensorsFormatException e)
        {
            throw new CheckpointException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot be read: {e.Message}", e);
        }
    }
}
