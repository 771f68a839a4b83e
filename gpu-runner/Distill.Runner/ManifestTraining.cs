using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Runner;

/// <summary>
/// The one place that turns a manifest into the engine's settings: the device, the trainer's options, the method as the
/// stages run it, the data options, the student's initialisation and the evaluation options.
/// </summary>
public static class ManifestTraining
{
    /// <summary>How many checkpoints a stage keeps in storage (the newest; the pointer names the current one).</summary>
    public const int KeepCheckpoints = 2;

    /// <summary>
    /// <c>training.device</c> on this runner: <c>auto</c> is CUDA when a device is visible, else the CPU; <c>cuda</c> on a
    /// runner without one is bad input (the stage fails saying so).
    /// </summary>
    /// <exception cref="StageInputException">CUDA is asked for and the runner has none.</exception>
    public static Device ResolveDevice(TrainingDevice device, int cudaDevices) => device switch
    {
        TrainingDevice.Cpu => Device.Cpu,
        TrainingDevice.Cuda when cudaDevices > 0 => Device.Cuda(0),
        TrainingDevice.Cuda => throw new StageInputException("pipeline.json: training.device is 'cuda' but this runner has no CUDA device; use 'auto' or 'cpu', or run it on a GPU runner"),
        _ => cudaDevices > 0 ? Device.Cuda(0) : Device.Cpu,
    };

    /// <summary>The trainer's options for the distill stage (the filter stages derive theirs, <see cref="Distill.Training.Distillation.DistillationStages.StageOneOptions"/>).</summary>
    public static TrainerOptions TrainerOptions(PipelineManifest manifest, Device device)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var training = manifest.Training;
        return new TrainerOptions
        {
            Steps = training.Steps,
            BatchSize = training.BatchSize,
            GradientAccumulation = training.GradientAccumulation,
            LearningRate = training.LearningRate,
            MinLearningRate = training.MinLearningRate,
            WarmupSteps = training.WarmupSteps,
            WeightDecay = training.WeightDecay,
            MaxGradNorm = training.MaxGradNorm,
            Seed = training.Seed,
            CheckpointEvery = training.CheckpointEvery,
            EvaluateEvery = training.EvaluateEvery,
            Device = device,
            // bf16 autocast only on CUDA; CPU training stays fp32 whatever the manifest says.
            Bf16Autocast = training.Bf16 && device.IsCuda,
            // Reading the loss forces a device synchronisation: on a GPU only every tenth step (the throttle publishes less still).
            ProgressEvery = device.IsCuda ? 10 : 1,
            KeepCheckpoints = KeepCheckpoints,
        };
    }

    /// <summary>
    /// The method section as the stages run it: for TED, Stage I trains <c>training.filterSteps</c> steps (the manifest
    /// forbids setting <c>method.ted.stageOneSteps</c> itself).
    /// </summary>
    /// <exception cref="StageInputException">The manifest has no method section.</exception>
    public static MethodOptions Method(PipelineManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var method = manifest.Method ?? throw new StageInputException("pipeline.json: method: the section is missing");
        if (method.Name != MethodNames.Ted)
        {
            return method;
        }
        var ted = method.EffectiveTed;
        var steps = manifest.Training.EffectiveFilterSteps();
        return method with { Ted = ted with { StageOneSteps = (int)Math.Min(steps, int.MaxValue) } };
    }

    /// <summary>How the data is read and packed; <paramref name="validationFraction"/> overrides the held-out share (0 when building one split alone).</summary>
    public static DataOptions DataOptions(PipelineManifest manifest, double? validationFraction = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var data = manifest.Data;
        return new DataOptions
        {
            TextField = data.TextField,
            MessagesField = data.MessagesField,
            MaskPrompts = data.MaskPrompts,
            BlockSize = data.BlockSize,
            ValidationFraction = validationFraction ?? data.EffectiveValidationFraction(),
            InvalidRecords = data.InvalidRecords == InvalidRecordAction.Skip ? InvalidRecordPolicy.Skip : InvalidRecordPolicy.Fail,
        };
    }

    public static StudentInitialization Initialization(PipelineManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Student.Init == StudentInit.Random ? StudentInitialization.Random : StudentInitialization.FromTeacher;
    }

    public static EvaluationOptions EvaluationOptions(PipelineManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new EvaluationOptions { BatchSize = manifest.Evaluation.BatchSize, MaxBlocks = manifest.Evaluation.MaxBlocks };
    }
}
