using System.Globalization;
using Distill.Torch;
using Distill.Torch.Optim;
using Distill.Training.Data;

namespace Distill.Training.Trainers;

/// <summary>One call of <see cref="Trainer.RunAsync"/>, on its training thread: restore or start, then the step loop.</summary>
internal sealed class TrainingRun
{
    private const ulong DropoutStream = 1;
    private const ulong DefaultGeneratorStream = 2;

    private readonly TrainerOptions _options;
    private readonly ICheckpointStore _store;
    private readonly TimeProvider _time;
    private readonly ITrainingObjective _objective;
    private readonly TokenDataset _dataset;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly IReadOnlyList<TrainableModule> _modules;
    private readonly List<LossPoint> _history = [];
    private readonly long _tokensPerStep;
    private readonly long _sessionStart;
    private TimeSpan _sessionTraining;
    private long _sessionSteps;
    private double _earlierTrainingSeconds;
    private long _earlierTokens;
    private DateTimeOffset _startedAt;

    public TrainingRun(TrainerOptions options, ICheckpointStore store, TimeProvider time, ITrainingObjective objective, TokenDataset dataset,
        IProgress<TrainingProgress>? progress)
    {
        _options = options;
        _store = store;
        _time = time;
        _objective = objective;
        _dataset = dataset;
        _progress = progress;
        _modules = CheckObjective(objective, options);
        _tokensPerStep = (long)options.BatchSize * dataset.BlockSize * options.GradientAccumulation;
        _sessionStart = time.GetTimestamp();
        _startedAt = time.GetUtcNow();
    }

    public TrainingResult Run(CancellationToken cancellationToken)
    {
        var trainable = _modules
            .SelectMany(m => m.Module.NamedParameters(m.Prefix + "."))
            .Where(p => p.Value.RequiresGrad)
            .Select(p => (p.Key, p.Value, p.Value.Rank >= 2 ? _options.WeightDecay : 0.0))
            .ToList();
        using var optimizer = new AdamW(trainable, _options.LearningRate, _options.Beta1, _options.Beta2, _options.Eps);
        using var dropout = new Generator(DeriveSeed(_options.Seed, DropoutStream), _options.Device);
        var student = _objective.Student;
        var previousGenerator = student.DropoutGenerator;
        var wasTraining = _modules.Select(m => m.Module.IsTraining).ToArray();
        student.DropoutGenerator = dropout;
        try
        {
            var resumed = Restore(optimizer, dropout, cancellationToken);
            if (resumed is null)
            {
                TorchRuntime.ManualSeed(DeriveSeed(_options.Seed, DefaultGeneratorStream));
            }
            foreach (var module in _modules)
            {
                module.Module.Train();
            }
            var sampler = new TokenBatchSampler(_dataset, DataSplit.Train, _options.BatchSize, _options.Seed, resumed?.DataCursor, _options.Device);
            return Loop(optimizer, dropout, sampler, resumed, cancellationToken);
        }
        finally
        {
            student.DropoutGenerator = previousGenerator;
            for (var i = 0; i < _modules.Count; i++)
            {
                _modules[i].Module.Train(wasTraining[i]);
            }
        }
    }

    private TrainingResult Loop(AdamW optimizer, Generator dropout, TokenBatchSampler sampler, TrainerState? resumed, CancellationToken cancellationToken)
    {
        var schedule = new CosineSchedule(_options.LearningRate, _options.EffectiveMinLearningRate, _options.WarmupSteps, _options.Steps);
        var parameters = optimizer.Parameters.ToArray();
        var step = resumed?.Step ?? 0;
        var lastSaved = resumed is null ? (long?)null : step;
        CheckpointInfo? checkpoint = null;
        double? validation = null;
        var stopped = false;
        StepTensors? last = null;
        try
        {
            while (step < _options.Steps)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    stopped = true;
                    break;
                }
                last?.Dispose();
                var started = _time.GetTimestamp();
                last = RunStep(optimizer, parameters, sampler, schedule.At(step), step);
                _sessionTraining += _time.GetElapsedTime(started);
                _sessionSteps++;
                step++;

                var final = step == _options.Steps;
                var evaluate = final || (_options.EvaluateEvery > 0 && step % _options.EvaluateEvery == 0);
                var save = final || (_options.CheckpointEvery > 0 && step % _options.CheckpointEvery == 0);
                var report = save || evaluate || step % _options.ProgressEvery == 0;
                double? stepValidation = evaluate ? Evaluate() : null;
                validation = stepValidation ?? validation;
                if (!report)
                {
                    continue;
                }
                var readings = last.Read();
                _history.Add(new LossPoint(step, readings.Loss, last.LearningRate, stepValidation));
                CheckpointInfo? saved = null;
                if (save)
                {
                    saved = checkpoint = Save(step, optimizer, dropout, sampler);
                    lastSaved = step;
                }
                Report(step, last.LearningRate, readings, stepValidation, saved);
            }
            if (stopped && last is not null && lastSaved != step)
            {
                // Cancelled between steps: save where training stands, then report that step once more with its checkpoint.
                var readings = last.Read();
                if (_history.Count == 0 || _history[^1].Step != step)
                {
                    _history.Add(new LossPoint(step, readings.Loss, last.LearningRate, null));
                }
                checkpoint = Save(step, optimizer, dropout, sampler);
                Report(step, last.LearningRate, readings, null, checkpoint);
            }
        }
        finally
        {
            last?.Dispose();
        }
        return new TrainingResult
        {
            Step = step,
            TotalSteps = _options.Steps,
            Completed = step >= _options.Steps,
            ResumedFromStep = resumed?.Step,
            Losses = _history.ToArray(),
            ValidationLoss = validation,
            Checkpoint = checkpoint,
            Elapsed = _time.GetElapsedTime(_sessionStart),
            TokensPerSecond = TokensPerSecond(),
        };
    }

    /// <summary>One optimizer step: every micro-batch's forward and backward, clipping, the AdamW update.</summary>
    private StepTensors RunStep(AdamW optimizer, Tensor[] parameters, TokenBatchSampler sampler, double learningRate, long step)
    {
        using var scope = TensorScope.Begin();
        using var grad = TorchRuntime.EnableGrad();
        var device = _options.Device;
        var accumulation = _options.GradientAccumulation;
        var lossSum = Tensor.Zeros([], DType.Float32, device);
        var components = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var micro = 0; micro < accumulation; micro++)
        {
            using (TensorScope.Begin())
            {
                var batch = sampler.Next();
                var context = new MicroBatchContext
                {
                    LossScale = 1.0 / accumulation,
                    Step = step,
                    TotalSteps = _options.Steps,
                    MicroBatch = micro,
                    Device = device,
                    UseAutocast = _options.UsesAutocast,
                };
                var output = _objective.ForwardBackward(batch, context);
                lossSum.AddInPlace(output.Loss);
                foreach (var (name, value) in output.Components ?? new Dictionary<string, Tensor>())
                {
                    if (!components.TryGetValue(name, out var sum))
                    {
                        sum = components[name] = Tensor.Zeros([], DType.Float32, device).MoveToOuterScope();
                    }
                    sum.AddInPlace(value);
                }
            }
        }
        var gradNorm = _options.MaxGradNorm > 0
            ? Functional.ClipGradNorm(parameters, _options.MaxGradNorm)
            : GradientNorm(parameters, device);
        optimizer.LearningRate = learningRate;
        optimizer.Step();
        optimizer.ZeroGrad();
        return new StepTensors(
            (lossSum / accumulation).DetachFromScope(),
            gradNorm.DetachFromScope(),
            components.ToDictionary(c => c.Key, c => (c.Value / accumulation).DetachFromScope(), StringComparer.Ordinal),
            learningRate);
    }

    /// <summary>The global L2 norm of the gradients, without clipping.</summary>
    private static Tensor GradientNorm(Tensor[] parameters, Device device)
    {
        var norms = parameters.Select(p => p.Grad).OfType<Tensor>().Select(g => g.ToFloat32().Norm()).ToArray();
        return norms.Length == 0 ? Tensor.Zeros([], DType.Float32, device) : Tensor.Stack(norms).Norm();
    }

    /// <summary>The student's token-weighted mean cross-entropy on the first validation batches, in eval mode.</summary>
    private double? Evaluate()
    {
        if (_options.EvaluationBatches == 0 || _dataset.BlockCount(DataSplit.Validation) == 0)
        {
            return null;
        }
        foreach (var module in _modules)
        {
            module.Module.Eval();
        }
        try
        {
            using var scope = TensorScope.Begin();
            var sum = Tensor.Zeros([], DType.Float32, _options.Device);
            long count = 0;
            var maxBlocks = (long)_options.EvaluationBatches * _options.BatchSize;
            foreach (var batch in _dataset.EvaluationBatches(_options.BatchSize, maxBlocks, _options.Device))
            {
                using (batch)
                using (TensorScope.Begin())
                {
                    sum.AddInPlace(LanguageModelingObjective.CrossEntropySum(_objective.Student, batch, useAutocast: _options.UsesAutocast));
                    count += batch.TargetCount;
                }
            }
            return count == 0 ? null : sum.ToDouble() / count;
        }
        finally
        {
            foreach (var module in _modules)
            {
                module.Module.Train();
            }
        }
    }

    private void Report(long step, double learningRate, StepReadings readings, double? validation, CheckpointInfo? checkpoint)
    {
        if (_progress is null)
        {
            return;
        }
        var elapsed = _time.GetElapsedTime(_sessionStart);
        var perStep = _sessionSteps == 0 ? TimeSpan.Zero : elapsed / _sessionSteps;
        _progress.Report(new TrainingProgress
        {
            Step = step,
            TotalSteps = _options.Steps,
            Loss = readings.Loss,
            LearningRate = learningRate,
            GradNorm = readings.GradNorm,
            TokensPerSecond = TokensPerSecond(),
            Elapsed = elapsed,
            Eta = perStep * (_options.Steps - step),
            ValidationLoss = validation,
            Checkpoint = checkpoint,
            Components = readings.Components,
        });
    }

    private double TokensPerSecond() =>
        _sessionTraining > TimeSpan.Zero ? _sessionSteps * _tokensPerStep / _sessionTraining.TotalSeconds : 0;

    /// <summary>Writes a checkpoint of the state after <paramref name="step"/> steps and makes it current.</summary>
    private CheckpointInfo Save(long step, AdamW optimizer, Generator dropout, TokenBatchSampler sampler)
    {
        var state = new TrainerState
        {
            Step = step,
            OptimizerStepCount = optimizer.StepCount,
            DataCursor = sampler.Cursor,
            Random = new RandomStates
            {
                Dropout = dropout.GetState(),
                Cpu = Generator.GetDefaultState(Device.Cpu),
                Cuda = _options.Device.IsCuda ? Generator.GetDefaultState(_options.Device) : null,
            },
            Objective = _objective.Name,
            Modules = _modules.Select(m => m.Prefix).ToArray(),
            DatasetKey = _dataset.Index.Key,
            Options = _options,
            OptionsHash = _options.ResultHash(),
            Losses = _history.ToArray(),
            StartedAt = _startedAt,
            SavedAt = _time.GetUtcNow(),
            TrainingSeconds = _earlierTrainingSeconds + _sessionTraining.TotalSeconds,
            Tokens = _earlierTokens + _sessionSteps * _tokensPerStep,
        };
        var folder = _store.CreateWorkFolder();
        try
        {
            TrainerCheckpoint.Write(folder, _modules, optimizer, state);
            // Saves are not cancelled: a stop request is honoured after the save, which it must not leave half done.
            return _store.SaveAsync(folder, step, _options.KeepCheckpoints, CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            DeleteFolder(folder);
        }
    }

    /// <summary>Loads the store's current checkpoint, if any, into the modules, optimizer and generators.</summary>
    private TrainerState? Restore(AdamW optimizer, Generator dropout, CancellationToken cancellationToken)
    {
        var folder = _store.CreateWorkFolder();
        try
        {
            var info = _store.FetchLatestAsync(folder, cancellationToken).GetAwaiter().GetResult();
            if (info is null)
            {
                return null;
            }
            var state = TrainerCheckpoint.ReadState(folder);
            CheckCompatible(info, state);
            TrainerCheckpoint.LoadWeights(folder, _modules, _options.Device);
            TrainerCheckpoint.LoadOptimizer(folder, optimizer, state.OptimizerStepCount, _options.Device);
            var statePath = Path.Combine(folder, TrainerCheckpoint.StateFileName);
            SetState(statePath, "dropout", () => dropout.SetState(state.Random.Dropout));
            SetState(statePath, "cpu", () => Generator.SetDefaultState(Device.Cpu, state.Random.Cpu));
            if (_options.Device.IsCuda && state.Random.Cuda is { } cuda)
            {
                SetState(statePath, "cuda", () => Generator.SetDefaultState(_options.Device, cuda));
            }
            _history.AddRange(state.Losses.Where(p => p.Step <= state.Step));
            _startedAt = state.StartedAt;
            _earlierTrainingSeconds = state.TrainingSeconds;
            _earlierTokens = state.Tokens;
            return state;
        }
        finally
        {
            DeleteFolder(folder);
        }
    }

    private static void SetState(string path, string generator, Action set)
    {
        try
        {
            set();
        }
        catch (TorchException e)
        {
            throw new CheckpointException($"{path}: the {generator} generator state does not fit this build's generator: {e.Message}", e);
        }
    }

    /// <summary>Refuses a checkpoint of another training, naming every difference.</summary>
    private void CheckCompatible(CheckpointInfo info, TrainerState state)
    {
        var fields = new List<string>();
        var details = new List<string>();
        if (state.Objective != _objective.Name)
        {
            fields.Add("objective");
            details.Add($"objective was '{state.Objective}', now '{_objective.Name}'");
        }
        var prefixes = _modules.Select(m => m.Prefix).ToArray();
        if (!state.Modules.SequenceEqual(prefixes, StringComparer.Ordinal))
        {
            fields.Add("modules");
            details.Add($"trainable modules were [{string.Join(", ", state.Modules)}], now [{string.Join(", ", prefixes)}]");
        }
        if (state.DatasetKey != _dataset.Index.Key)
        {
            fields.Add("dataset");
            details.Add($"dataset key was {state.DatasetKey}, now {_dataset.Index.Key} ({_dataset.Folder})");
        }
        var saved = state.Options.ResultFields().ToDictionary(f => f.Field, f => f.Value, StringComparer.Ordinal);
        foreach (var (field, value) in _options.ResultFields())
        {
            if (field == nameof(TrainerOptions.Steps) && _options.AllowStepsChange)
            {
                continue;
            }
            if (saved[field] != value)
            {
                fields.Add(field);
                details.Add($"{field} was {saved[field]}, now {value}");
            }
        }
        if (fields.Count > 0)
        {
            throw new CheckpointMismatchException(info.Name, fields, details);
        }
        if (state.OptionsHash != state.Options.ResultHash())
        {
            throw new CheckpointException($"{info.Name}/{TrainerCheckpoint.StateFileName}: options_hash {state.OptionsHash} does not match the options stored with it");
        }
        if (state.Step > _options.Steps)
        {
            throw new CheckpointException(string.Create(CultureInfo.InvariantCulture, $"{info.Name}: the checkpoint is at step {state.Step}, beyond the {_options.Steps} steps of the training"));
        }
    }

    /// <summary>
    /// The objective's modules, checked: named uniquely, the student among them (unless it is frozen), fp32 on the
    /// training device.
    /// </summary>
    private static IReadOnlyList<TrainableModule> CheckObjective(ITrainingObjective objective, TrainerOptions options)
    {
        var modules = objective.TrainableModules;
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(objective.Name))
        {
            problems.Add("the objective has no name");
        }
        if (modules.Count == 0)
        {
            problems.Add("the objective has no trainable modules");
        }
        foreach (var module in modules)
        {
            if (string.IsNullOrEmpty(module.Prefix) || module.Prefix.Contains('.', StringComparison.Ordinal))
            {
                problems.Add($"the module prefix '{module.Prefix}' must be non-empty and without dots");
            }
        }
        foreach (var duplicate in modules.GroupBy(m => m.Prefix, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"the module prefix '{duplicate.Key}' is used {duplicate.Count()} times");
        }
        if (!modules.Any(m => ReferenceEquals(m.Module, objective.Student)) && objective.Student.Parameters().Any(p => p.RequiresGrad))
        {
            problems.Add("the student is not one of the trainable modules (only a frozen model, no parameter requiring a gradient, may be left out)");
        }
        var parameters = modules.SelectMany(m => m.Module.NamedParameters(m.Prefix + ".")).ToList();
        if (!parameters.Any(p => p.Value.RequiresGrad))
        {
            problems.Add("no parameter requires a gradient");
        }
        foreach (var (name, parameter) in parameters.Where(p => p.Value.RequiresGrad))
        {
            if (parameter.DType != DType.Float32 || parameter.Device != options.Device)
            {
                problems.Add($"the parameter '{name}' is {parameter.DType} on {parameter.Device}; training needs Float32 on {options.Device} (bf16 comes from autocast)");
            }
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"the objective '{objective.Name}' cannot be trained: " + string.Join("; ", problems.Take(20)), nameof(objective));
        }
        return modules;
    }

    private static ulong DeriveSeed(ulong seed, ulong stream) =>
        new DeterministicRandom(seed ^ new DeterministicRandom(stream).NextUInt64()).NextUInt64();

    private static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover work folder is removed by the store's next save; the training result matters more.
        }
    }

    /// <summary>A step's results kept on the device until progress needs them (reading them forces a sync).</summary>
    private sealed class StepTensors(Tensor loss, Tensor gradNorm, Dictionary<string, Tensor> components, double learningRate) : IDisposable
    {
        public double LearningRate { get; } = learningRate;

        public StepReadings Read() => new(
            loss.ToDouble(),
            gradNorm.ToDouble(),
            components.ToDictionary(c => c.Key, c => c.Value.ToDouble(), StringComparer.Ordinal));

        public void Dispose()
        {
            loss.Dispose();
            gradNorm.Dispose();
            foreach (var tensor in components.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private sealed record StepReadings(double Loss, double GradNorm, IReadOnlyDictionary<string, double> Components);
}
