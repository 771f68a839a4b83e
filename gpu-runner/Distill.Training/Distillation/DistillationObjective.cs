using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Distill.Contracts.Methods;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Distillation;

/// <summary>
/// Every distillation method of the manifest's <c>method</c> section as one training objective: <c>ce</c>, <c>kd</c>,
/// <c>reverse-kl</c>, <c>atkd</c>, <c>lwd</c>, <c>feature-alignment</c> and TED's Stage II (<c>ted</c>). The loss of a
/// micro-batch with n counted targets is the weighted sum (<see cref="MethodOptions.EffectiveWeights"/>) of
/// <code>
/// ce        (1/n) Σ_valid −log q(y)                                   VocabularyTerms.CrossEntropy
/// kd        (1/n) Σ_valid T²·KL(p_T ‖ q_T)                             VocabularyTerms.ForwardKl
/// reverseKl (1/n) Σ_valid T²·KL(q_T ‖ p_T)                             VocabularyTerms.ReverseKl
/// atkd      λ·mean_easy DKD + (1−λ)·mean_hard (TKD + DKD)               Atkd (split over the micro-batch)
/// hidden    (1/K) Σ_k (1/n) Σ_valid d(f_s(H_s^{l_k}), f_t(H_t^{l'_k}))   HiddenStateTerms, over the matched layers
/// attention (1/K) Σ_k (1/n) Σ_valid RowKl(A_t^{l'_k}, A_s^{l_k})         AttentionTerms
/// </code>
/// where d is the squared error averaged over features (or, for feature alignment with <c>cosine</c>, the cosine
/// distance); f_s, f_t are TED's filters (<c>ted</c>), a learned projection d_s → d_t and the identity (<c>lwd</c>,
/// and <c>feature-alignment</c> when the widths differ), or identities. Only the terms with a positive weight run.
/// </summary>
/// <remarks>
/// <para>One forward pass of the student (with hidden states or attentions only when a term needs them) and one of the
/// teacher, in eval mode and without gradients. The vocabulary-sized terms are computed in fp32 and in chunks of
/// <see cref="ChunkTokens"/> positions: the student's final hidden state is cut off into a leaf, and per chunk the two
/// heads' logits, the terms and a backward into the leaf run and are freed, so peak memory grows with the chunk, not
/// the sequence. ATKD first collects the teacher's uncertainty over all chunks (its easy/hard split needs the whole
/// micro-batch), then computes its loss chunk by chunk; the teacher's head runs twice for it. The layer terms are
/// computed on the full tensors; one final backward sends the layer terms and the leaf's gradient through the student.</para>
/// <para>Positions whose target is −100 (padding, chat prompts) count in no term. The constructor freezes the teacher and
/// TED's teacher filters (no parameter requires a gradient) and puts them in eval mode; they are not trainable modules,
/// so they never change. Trainable: <c>student</c>, plus <c>projections</c> (LWD, feature alignment across widths) or
/// <c>filters</c> (TED's student filters).</para>
/// </remarks>
public sealed class DistillationObjective : ITrainingObjective, IDisposable
{
    public const string StudentPrefix = "student";
    public const string ProjectionsPrefix = "projections";
    public const string FiltersPrefix = "filters";

    private readonly CausalLanguageModel _student;
    private readonly CausalLanguageModel? _teacher;
    private readonly TermWeights _weights;
    private readonly double _temperature;
    private readonly AtkdOptions _atkd;
    private readonly AtkdSetting _atkdSetting;
    private readonly HiddenLossKind _hiddenLoss;
    private readonly LayerProjectionSet? _projections;
    private readonly TaskAwareFilterSet? _studentFilters;
    private readonly TaskAwareFilterSet? _teacherFilters;
    private readonly bool _distillsLogits;
    private readonly bool _usesStudentLogits;

    /// <param name="student">The model to train.</param>
    /// <param name="teacher">The model to distil from; null only for <c>ce</c>, which does not read it.</param>
    /// <param name="method">The method section; checked with <see cref="MethodOptions.ThrowIfInvalid"/> against both models.</param>
    /// <param name="studentFilters">TED: the student's Stage I filters (trained further here); the caller owns them.</param>
    /// <param name="teacherFilters">TED: the teacher's Stage I filters (frozen here); the caller owns them.</param>
    /// <param name="chunkTokens">Positions whose [positions, V] logits exist at once (each model's).</param>
    /// <param name="seed">Initialises the projections of <c>lwd</c> and <c>feature-alignment</c> (as nn.Linear, on the CPU).</param>
    /// <exception cref="MethodOptionsException">The method section is invalid for these models.</exception>
    /// <exception cref="ArgumentException">The models or filters do not fit the method (a missing teacher or filters, other vocabularies or devices).</exception>
    public DistillationObjective(CausalLanguageModel student, CausalLanguageModel? teacher, MethodOptions method,
        TaskAwareFilterSet? studentFilters = null, TaskAwareFilterSet? teacherFilters = null,
        int chunkTokens = LanguageModelingObjective.DefaultChunkTokens, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, 1);
        method.ThrowIfInvalid(student.Config, (teacher ?? student).Config);
        var name = method.Name ?? throw new MethodOptionsException("method.name: is required");
        if (teacher is null && name != MethodNames.Ce)
        {
            throw new ArgumentNullException(nameof(teacher), $"the '{name}' method distils from a teacher; only 'ce' runs without one");
        }
        if (ReferenceEquals(student, teacher))
        {
            throw new ArgumentException("the student and the teacher must be two models", nameof(teacher));
        }
        _weights = method.EffectiveWeights();
        _distillsLogits = _weights.DistilsLogits;
        _usesStudentLogits = _distillsLogits || _weights.Ce > 0;
        var problems = new List<string>();
        if (teacher is not null && name != MethodNames.Ce)
        {
            if (teacher.Device != student.Device)
            {
                problems.Add($"the teacher is on {teacher.Device} but the student on {student.Device}");
            }
            if (_distillsLogits && teacher.OutputVocabSize != student.OutputVocabSize)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"the student predicts {student.OutputVocabSize} ids but the teacher {teacher.OutputVocabSize}: logit distillation needs one vocabulary"));
            }
            _teacher = teacher;
        }
        _student = student;
        _temperature = method.EffectiveTemperature;
        _atkd = method.EffectiveAtkd;
        _atkdSetting = _atkd.ParsedSetting ?? AtkdSetting.Forward;
        _hiddenLoss = method.EffectiveFeatureAlignment.ParsedHiddenLoss ?? HiddenLossKind.Mse;
        Method = name;
        ChunkTokens = chunkTokens;
        LayerPairs = _teacher is null || (_weights.Hidden == 0 && _weights.Attention == 0)
            ? []
            : method.ResolveLayerPairs(student.Config.NumLayers, _teacher.Config.NumLayers);

        var modules = new List<TrainableModule> { new(StudentPrefix, student) };
        if (_teacher is not null && _weights.Hidden > 0)
        {
            if (name == MethodNames.Ted)
            {
                CheckFilters(ModelRole.Student, studentFilters, method, student, _teacher, problems);
                CheckFilters(ModelRole.Teacher, teacherFilters, method, student, _teacher, problems);
                if (problems.Count == 0 && studentFilters is not null && teacherFilters is not null)
                {
                    _studentFilters = studentFilters;
                    _teacherFilters = teacherFilters;
                    modules.Add(new TrainableModule(FiltersPrefix, studentFilters));
                }
            }
            else if (name == MethodNames.Lwd || student.Config.HiddenSize != _teacher.Config.HiddenSize)
            {
                if (problems.Count == 0)
                {
                    _projections = CreateProjections(LayerPairs.Count, student.Config.HiddenSize, _teacher.Config.HiddenSize, student.Device, seed);
                    modules.Add(new TrainableModule(ProjectionsPrefix, _projections));
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"the '{name}' objective cannot be built: " + string.Join("; ", problems), nameof(method));
        }
        if (_teacher is not null)
        {
            _teacher.Freeze();
            _teacher.Eval();
        }
        if (_teacherFilters is not null)
        {
            _teacherFilters.Freeze();
            _teacherFilters.Eval();
        }
        TrainableModules = modules;
        Name = $"distillation:{name}:{Fingerprint()}";
    }

    /// <summary>
    /// <c>distillation:{method}:{hash}</c>, the hash covering everything that changes the loss (weights, temperature,
    /// matched layers, ATKD and feature-alignment settings), so a checkpoint resumes only under the same method.
    /// </summary>
    public string Name { get; }

    public CausalLanguageModel Student => _student;

    public IReadOnlyList<TrainableModule> TrainableModules { get; }

    /// <summary>The method's name (<see cref="MethodNames"/>).</summary>
    public string Method { get; }

    public TermWeights Weights => _weights;

    public double Temperature => _temperature;

    /// <summary>The matched (student, teacher) layers of the hidden and attention terms; empty when neither runs.</summary>
    public IReadOnlyList<LayerPair> LayerPairs { get; }

    /// <summary>The learned student → teacher projections (LWD, feature alignment across widths), owned by this objective.</summary>
    public LayerProjectionSet? Projections => _projections;

    public int ChunkTokens { get; }

    public ObjectiveOutput ForwardBackward(TokenBatch batch, MicroBatchContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(context);
        var device = batch.InputIds.Device;
        var components = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (batch.TargetCount == 0)
        {
            // Nothing counts: no loss and no gradient.
            foreach (var term in ActiveTerms())
            {
                components[term] = Tensor.Zeros([], DType.Float32, device);
            }
            return new ObjectiveOutput { Loss = Tensor.Zeros([], DType.Float32, device), Components = components };
        }
        if (_teacher is { IsTraining: true })
        {
            _teacher.Eval();
        }
        if (_teacherFilters is { IsTraining: true })
        {
            _teacherFilters.Eval();
        }
        var needHidden = _weights.Hidden > 0 && _teacher is not null;
        var needAttention = _weights.Attention > 0 && _teacher is not null;
        var valid = TokenMask.FromTargets(batch.Targets);
        double count = batch.TargetCount;

        ModelOutput student;
        using (context.EnterAutocast())
        {
            student = _student.Forward(batch.InputIds, new ForwardOptions
            {
                Logits = false, HiddenStates = needHidden, Attentions = needAttention, AttentionMask = batch.AttentionMask,
            });
        }
        ModelOutput? teacher = null;
        if (_teacher is not null && (_distillsLogits || needHidden || needAttention))
        {
            using var noGrad = TorchRuntime.NoGrad();
            using var autocast = context.EnterAutocast();
            teacher = _teacher.Forward(batch.InputIds, new ForwardOptions
            {
                Logits = false, HiddenStates = needHidden, Attentions = needAttention, AttentionMask = batch.AttentionMask,
            });
        }

        var loss = Tensor.Zeros([], DType.Float32, device);
        Tensor? layerLoss = null;
        if (needHidden && teacher is not null)
        {
            var hidden = HiddenTerm(student, teacher, valid, count);
            components["hidden"] = hidden.Detach();
            layerLoss = hidden * _weights.Hidden;
        }
        if (needAttention && teacher is not null)
        {
            var attention = AttentionTerm(student, teacher, valid, count);
            components["attention"] = attention.Detach();
            var weighted = attention * _weights.Attention;
            layerLoss = layerLoss is null ? weighted : layerLoss + weighted;
        }
        if (layerLoss is not null)
        {
            loss.AddInPlace(layerLoss.Detach());
        }

        Tensor? leafGrad = null;
        if (_usesStudentLogits)
        {
            var leaf = student.FinalHidden.Detach();
            leaf.RequiresGrad = true;
            var vocabulary = ChunkedVocabularyTerms(leaf, teacher?.FinalHidden, batch.Targets, valid, count, context);
            foreach (var (term, value) in vocabulary)
            {
                components[term] = value;
            }
            loss.AddInPlace(WeightedVocabularyLoss(vocabulary));
            leafGrad = leaf.Grad;
        }

        // One backward through the student: the layer terms, and the gradient the chunks left on the leaf.
        Tensor? root = layerLoss is null ? null : layerLoss * context.LossScale;
        if (leafGrad is not null)
        {
            var link = (student.FinalHidden * leafGrad).Sum();
            root = root is null ? link : root + link;
        }
        root?.Backward();
        return new ObjectiveOutput { Loss = loss, Components = components };
    }

    /// <summary>Frees the projections this objective made (the models and filters belong to the caller).</summary>
    public void Dispose() => _projections?.Dispose();

    /// <summary>The vocabulary terms' means (detached): per chunk, logits → fp32 → terms → backward into the leaf.</summary>
    private Dictionary<string, Tensor> ChunkedVocabularyTerms(Tensor leaf, Tensor? teacherFinal, Tensor targets, Tensor valid, double count,
        MicroBatchContext context)
    {
        var device = leaf.Device;
        var studentRows = leaf.Reshape(-1, leaf.Size(-1));
        var teacherRows = teacherFinal?.Reshape(-1, teacherFinal.Size(-1));
        var flatTargets = targets.Reshape(-1);
        var flatValid = valid.Reshape(-1);
        var rows = flatTargets.NumElements;

        AtkdSplit? split = null;
        if (_weights.Atkd > 0 && teacherRows is not null)
        {
            var uncertainties = new List<Tensor>();
            PositionChunks.ForEach(rows, ChunkTokens, (start, length) =>
                uncertainties.Add(Atkd.TeacherUncertainty(TeacherLogits(teacherRows, start, length, context), flatTargets.Narrow(0, start, length))
                    .MoveToOuterScope()));
            split = AtkdSplit.Create(Tensor.Cat(uncertainties.ToArray()), flatValid, _atkd.HardFraction);
        }

        var sums = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var term in ActiveTerms().Where(t => t is not ("hidden" or "attention")))
        {
            sums[term] = Tensor.Zeros([], DType.Float32, device);
        }
        var scale = context.LossScale;
        PositionChunks.ForEach(rows, ChunkTokens, (start, length) =>
        {
            Tensor studentLogits;
            using (context.EnterAutocast())
            {
                studentLogits = _student.Head(studentRows.Narrow(0, start, length));
            }
            studentLogits = studentLogits.ToFloat32();
            var teacherLogits = _distillsLogits && teacherRows is not null ? TeacherLogits(teacherRows, start, length, context) : null;
            var chunkTargets = flatTargets.Narrow(0, start, length);
            var chunkValid = flatValid.Narrow(0, start, length);
            Tensor? total = null;
            void Add(string term, Tensor value, double weight)
            {
                sums[term].AddInPlace(value.Detach());
                var weighted = value * weight;
                total = total is null ? weighted : total + weighted;
            }
            if (_weights.Ce > 0)
            {
                Add("ce", VocabularyTerms.CrossEntropy(studentLogits, chunkTargets).Sum(), _weights.Ce / count);
            }
            if (teacherLogits is not null)
            {
                if (_weights.Kd > 0)
                {
                    Add("kd", VocabularyTerms.ForwardKl(studentLogits, teacherLogits, _temperature, chunkValid).Sum(), _weights.Kd / count);
                }
                if (_weights.ReverseKl > 0)
                {
                    Add("reverseKl", VocabularyTerms.ReverseKl(studentLogits, teacherLogits, _temperature, chunkValid).Sum(), _weights.ReverseKl / count);
                }
                if (split is not null)
                {
                    var parts = Atkd.Parts(studentLogits, teacherLogits, chunkTargets, _atkdSetting, chunkValid);
                    Add("atkd", Atkd.GroupLoss(parts, split.Chunk(0, start, length), _atkd.Lambda), _weights.Atkd);
                }
            }
            var chunkLoss = total ?? throw new InvalidOperationException("no vocabulary term ran");
            (chunkLoss * scale).Backward();
        });

        // ATKD's group loss is already a mean; the others are sums over the counted targets.
        return sums.ToDictionary(s => s.Key, s => s.Key == "atkd" ? s.Value : s.Value / count, StringComparer.Ordinal);
    }

    private Tensor TeacherLogits(Tensor teacherRows, long start, long length, MicroBatchContext context)
    {
        var teacher = _teacher ?? throw new InvalidOperationException("no teacher");
        using var noGrad = TorchRuntime.NoGrad();
        using var autocast = context.EnterAutocast();
        return teacher.Head(teacherRows.Narrow(0, start, length)).ToFloat32();
    }

    private Tensor WeightedVocabularyLoss(Dictionary<string, Tensor> means)
    {
        var total = Tensor.Zeros([], DType.Float32, means.Values.First().Device);
        foreach (var (term, mean) in means)
        {
            total.AddInPlace(mean * Weight(term));
        }
        return total;
    }

    /// <summary>(1/K) Σ_k mean over the counted targets of the per-token distance between the matched layers' states.</summary>
    private Tensor HiddenTerm(ModelOutput student, ModelOutput teacher, Tensor valid, double count)
    {
        var studentStates = student.HiddenStates ?? throw new InvalidOperationException("the student returned no hidden states");
        var teacherStates = teacher.HiddenStates ?? throw new InvalidOperationException("the teacher returned no hidden states");
        Tensor? sum = null;
        for (var k = 0; k < LayerPairs.Count; k++)
        {
            var pair = LayerPairs[k];
            var s = studentStates[pair.Student];
            var t = teacherStates[pair.Teacher];
            Tensor perToken;
            if (_studentFilters is not null && _teacherFilters is not null)
            {
                Tensor filteredTeacher;
                using (TorchRuntime.NoGrad())
                {
                    filteredTeacher = _teacherFilters.Forward(k, t.ToFloat32());
                }
                perToken = HiddenStateTerms.SquaredError(_studentFilters.Forward(k, s.ToFloat32()), filteredTeacher, valid);
            }
            else
            {
                var projection = _projections?[k];
                perToken = _hiddenLoss == HiddenLossKind.Cosine
                    ? HiddenStateTerms.CosineDistance(s, t, valid, projection)
                    : HiddenStateTerms.SquaredError(s, t, valid, projection);
            }
            var mean = perToken.Sum() / count;
            sum = sum is null ? mean : sum + mean;
        }
        return (sum ?? throw new InvalidOperationException("no matched layers")) / LayerPairs.Count;
    }

    /// <summary>(1/K) Σ_k mean over the counted query rows of the head-averaged attention KL of the matched layers.</summary>
    private Tensor AttentionTerm(ModelOutput student, ModelOutput teacher, Tensor valid, double count)
    {
        var studentMaps = student.Attentions ?? throw new InvalidOperationException("the student returned no attentions");
        var teacherMaps = teacher.Attentions ?? throw new InvalidOperationException("the teacher returned no attentions");
        Tensor? sum = null;
        foreach (var pair in LayerPairs)
        {
            var mean = AttentionTerms.RowKl(teacherMaps[pair.Teacher - 1], studentMaps[pair.Student - 1], valid).Sum() / count;
            sum = sum is null ? mean : sum + mean;
        }
        return (sum ?? throw new InvalidOperationException("no matched layers")) / LayerPairs.Count;
    }

    /// <summary>The component names of the terms with a positive weight, in a fixed order.</summary>
    private IEnumerable<string> ActiveTerms()
    {
        foreach (var term in new[] { "ce", "kd", "reverseKl", "atkd", "hidden", "attention" })
        {
            if (Weight(term) > 0 && (term == "ce" || _teacher is not null))
            {
                yield return term;
            }
        }
    }

    private double Weight(string term) => term switch
    {
        "ce" => _weights.Ce,
        "kd" => _weights.Kd,
        "reverseKl" => _weights.ReverseKl,
        "atkd" => _weights.Atkd,
        "hidden" => _weights.Hidden,
        "attention" => _weights.Attention,
        _ => 0,
    };

    private string Fingerprint()
    {
        static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        var text = new StringBuilder()
            .Append("method=").Append(Method)
            .Append(";T=").Append(F(_temperature))
            .Append(";w=").AppendJoin(',', new[] { _weights.Ce, _weights.Kd, _weights.ReverseKl, _weights.Atkd, _weights.Hidden, _weights.Attention }.Select(F))
            .Append(";pairs=").AppendJoin(',', LayerPairs.Select(p => p.ToString()))
            .Append(";atkd=").Append(F(_atkd.Lambda)).Append(',').Append(F(_atkd.HardFraction)).Append(',').Append(_atkdSetting)
            .Append(";hidden=").Append(_hiddenLoss)
            .Append(";projections=").Append(_projections is not null)
            .Append(";filters=").Append(_studentFilters is null ? "none" : string.Create(CultureInfo.InvariantCulture,
                $"{_studentFilters.Count}x{_studentFilters.FilterWidth}{(_studentFilters.IsNonlinear ? "n" : "")}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    private static void CheckFilters(ModelRole role, TaskAwareFilterSet? filters, MethodOptions method, CausalLanguageModel student,
        CausalLanguageModel teacher, List<string> problems)
    {
        var who = role == ModelRole.Teacher ? "teacher" : "student";
        if (filters is null)
        {
            problems.Add($"TED's Stage II needs the {who}'s Stage I filters (TedFilterArtifact.Load)");
            return;
        }
        var layout = TedFilterLayout.For(role, method, student.Config, teacher.Config);
        problems.AddRange(layout.Mismatches(filters));
        var device = role == ModelRole.Teacher ? teacher.Device : student.Device;
        if (filters.Parameters().Any(p => p.Device != device))
        {
            problems.Add($"the {who}'s filters must be on the {who}'s device ({device})");
        }
    }

    private static LayerProjectionSet CreateProjections(int count, long studentWidth, long teacherWidth, Device device, ulong seed)
    {
        using var generator = new Generator(seed);
        var projections = new LayerProjectionSet(count, studentWidth, teacherWidth, Device.Cpu, generator);
        if (device != Device.Cpu)
        {
            projections.To(device);
        }
        return projections;
    }
}
