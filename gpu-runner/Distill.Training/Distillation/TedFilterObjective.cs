using System.Globalization;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Distillation;

/// <summary>
/// TED's Stage I for one model (teacher or student): the model's backbone and head are frozen and run in eval mode
/// without gradients; each of the K filters g_k, followed by its own LM head h_k (initialised from the model's head,
/// <see cref="TaskAwareFilterHeads"/>), learns next-token prediction from the output of layer k·I:
/// <code>
/// L_I = (1/K) Σ_k (1/n) Σ_{valid t} −log softmax(h_k(g_k(H^{k·I}_t)))[y_t]        n = the micro-batch's counted targets
/// </code>
/// The heads' logits are computed in fp32, in chunks of <see cref="ChunkTokens"/> positions with a backward per chunk
/// into detached copies of the filtered states, which then send their gradients through the filters once (as
/// <see cref="LanguageModelingObjective"/> does for a model). Trainable: <c>filters</c> and <c>heads</c>; the model is
/// not a trainable module, so checkpoints hold only those two. After training, keep the filters
/// (<see cref="TedFilterArtifact.Save"/>) and drop the heads.
/// </summary>
/// <remarks>
/// The constructor freezes the model (every parameter's <c>RequiresGrad</c> = false) and puts it in eval mode;
/// <see cref="Dispose"/> restores both and frees the heads. The trainer's validation loss for this objective is the
/// frozen model's own cross-entropy, which Stage I does not change: turn evaluation off
/// (<see cref="DistillationStages.StageOneOptions"/> does).
/// </remarks>
public sealed class TedFilterObjective : ITrainingObjective, IDisposable
{
    public const string FiltersPrefix = "filters";
    public const string HeadsPrefix = "heads";

    private readonly CausalLanguageModel _model;
    private readonly TaskAwareFilterSet _filters;
    private readonly TaskAwareFilterHeads _heads;
    private readonly IReadOnlyList<int> _layers;
    private readonly (Tensor Parameter, bool RequiredGrad)[] _frozen;
    private readonly bool _wasTraining;
    private bool _disposed;

    /// <param name="model">The model whose filters are learned; frozen while this objective lives.</param>
    /// <param name="layout">Where the filters sit (<see cref="TedFilterLayout.For"/>).</param>
    /// <param name="filters">The filters to train (<see cref="TedFilterLayout.CreateFilters"/>); the caller owns them.</param>
    /// <param name="chunkTokens">Positions whose [positions, V] logits exist at once, per filter.</param>
    /// <exception cref="ArgumentException">The model or the filters do not fit the layout.</exception>
    public TedFilterObjective(CausalLanguageModel model, TedFilterLayout layout, TaskAwareFilterSet filters,
        int chunkTokens = LanguageModelingObjective.DefaultChunkTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, 1);
        var problems = layout.Mismatches(model.Config).Concat(layout.Mismatches(filters)).ToList();
        if (filters.Parameters().Any(p => p.Device != model.Device))
        {
            problems.Add($"the filters must be on the model's device ({model.Device})");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("TED Stage I cannot run: " + string.Join("; ", problems), nameof(filters));
        }
        _model = model;
        _filters = filters;
        _layers = layout.Layers();
        Layout = layout;
        ChunkTokens = chunkTokens;
        using (TensorScope.Begin())
        {
            _heads = new TaskAwareFilterHeads(layout.FilterCount, layout.FilterWidth, model.HeadWeight.Narrow(0, 0, model.OutputVocabSize));
        }
        _frozen = model.Parameters().Select(p => (p, p.RequiresGrad)).ToArray();
        _wasTraining = model.IsTraining;
        model.Freeze();
        model.Eval();
        TrainableModules = [new TrainableModule(FiltersPrefix, filters), new TrainableModule(HeadsPrefix, _heads)];
        Name = string.Create(CultureInfo.InvariantCulture,
            $"ted-filters:{TedFilterDescription.RoleName(layout.Role)}:k{layout.FilterCount}:i{layout.Interval}:d{layout.FilterWidth}:{(layout.Nonlinear ? "nonlinear" : "linear")}");
    }

    public string Name { get; }

    /// <summary>The frozen model (the trainer reports its cross-entropy when evaluation is on).</summary>
    public CausalLanguageModel Student => _model;

    public IReadOnlyList<TrainableModule> TrainableModules { get; }

    public TedFilterLayout Layout { get; }

    public TaskAwareFilterSet Filters => _filters;

    /// <summary>Stage I's per-filter heads (dropped after Stage I).</summary>
    public TaskAwareFilterHeads Heads => _heads;

    public int ChunkTokens { get; }

    public ObjectiveOutput ForwardBackward(TokenBatch batch, MicroBatchContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var device = batch.InputIds.Device;
        var count = _layers.Count;
        if (batch.TargetCount == 0)
        {
            return new ObjectiveOutput { Loss = Tensor.Zeros([], DType.Float32, device), Components = Components(null, 0, device) };
        }
        if (_model.IsTraining)
        {
            _model.Eval();
        }
        IReadOnlyList<Tensor> hidden;
        using (TorchRuntime.NoGrad())
        using (context.EnterAutocast())
        {
            hidden = _model.Forward(batch.InputIds, new ForwardOptions { Logits = false, HiddenStates = true, AttentionMask = batch.AttentionMask }).HiddenStates
                ?? throw new InvalidOperationException("the model returned no hidden states");
        }
        var filtered = new Tensor[count];
        var leaves = new Tensor[count];
        using (context.EnterAutocast())
        {
            for (var k = 0; k < count; k++)
            {
                filtered[k] = _filters.Forward(k, hidden[_layers[k]]);
            }
        }
        for (var k = 0; k < count; k++)
        {
            leaves[k] = filtered[k].Detach();
            leaves[k].RequiresGrad = true;
        }
        var rows = leaves.Select(l => l.Reshape(-1, l.Size(-1))).ToArray();
        var targets = batch.Targets.Reshape(-1);
        var sums = Enumerable.Range(0, count).Select(_ => Tensor.Zeros([], DType.Float32, device)).ToArray();
        var scale = context.LossScale / ((double)count * batch.TargetCount);
        PositionChunks.ForEach(targets.NumElements, ChunkTokens, (start, length) =>
        {
            var chunkTargets = targets.Narrow(0, start, length);
            Tensor? total = null;
            for (var k = 0; k < count; k++)
            {
                Tensor logits;
                using (context.EnterAutocast())
                {
                    logits = _heads.Logits(k, rows[k].Narrow(0, start, length));
                }
                var loss = VocabularyTerms.CrossEntropy(logits.ToFloat32(), chunkTargets).Sum();
                sums[k].AddInPlace(loss.Detach());
                total = total is null ? loss : total + loss;
            }
            (total! * scale).Backward();
        });
        Tensor? link = null;
        for (var k = 0; k < count; k++)
        {
            if (leaves[k].Grad is { } grad)
            {
                var term = (filtered[k] * grad).Sum();
                link = link is null ? term : link + term;
            }
        }
        link?.Backward();
        var mean = sums.Aggregate((a, b) => a + b) / ((double)count * batch.TargetCount);
        return new ObjectiveOutput { Loss = mean, Components = Components(sums, batch.TargetCount, device) };
    }

    /// <summary>Frees the heads and gives the model back its gradient flags and mode.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _heads.Dispose();
        foreach (var (parameter, requiredGrad) in _frozen)
        {
            parameter.RequiresGrad = requiredGrad;
        }
        _model.Train(_wasTraining);
    }

    /// <summary><c>ce</c> (the mean over filters) and <c>ce.layer{l}</c> per filter, as means over the counted targets.</summary>
    private Dictionary<string, Tensor> Components(Tensor[]? sums, long targetCount, Device device)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var perFilter = sums is null
            ? _layers.Select(_ => Tensor.Zeros([], DType.Float32, device)).ToArray()
            : sums.Select(s => s / Math.Max(1, targetCount)).ToArray();
        result["ce"] = perFilter.Aggregate((a, b) => a + b) / perFilter.Length;
        for (var k = 0; k < perFilter.Length; k++)
        {
            result[string.Create(CultureInfo.InvariantCulture, $"ce.layer{_layers[k]}")] = perFilter[k];
        }
        return result;
    }
}
