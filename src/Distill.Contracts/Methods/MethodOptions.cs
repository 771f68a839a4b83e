using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Contracts.Models;

namespace Distill.Contracts.Methods;

/// <summary>
/// The manifest's <c>method</c> section: which distillation method, the weight of each loss term, the temperature and
/// the method's own settings. JSON names are camelCase; unknown names are rejected. Check it against the two models with
/// <see cref="Validate(int, int)"/>, which lists every problem with its JSON path.
/// </summary>
public sealed record MethodOptions
{
    /// <summary>One of <see cref="MethodNames.All"/>.</summary>
    public string? Name { get; init; }

    /// <summary>T for the KL terms; null takes the method's default (<see cref="DefaultTemperature"/>).</summary>
    public double? Temperature { get; init; }

    /// <summary>Per-term weights; terms left out take the method's defaults.</summary>
    public MethodWeights? Weights { get; init; }

    /// <summary>Read by <c>atkd</c> only.</summary>
    public AtkdOptions? Atkd { get; init; }

    /// <summary>Read by <c>ted</c> (everything) and <c>lwd</c> (the intervals).</summary>
    public TedOptions? Ted { get; init; }

    /// <summary>Read by <c>feature-alignment</c> only.</summary>
    public FeatureAlignmentOptions? FeatureAlignment { get; init; }

    /// <summary>
    /// The temperature a method uses when none is given: 2 for <c>ted</c> and <c>lwd</c> (the TED code's T = 2), 1 for the
    /// others (token-level KD of language models; ATKD's code runs at 1 and ATKD supports only 1).
    /// </summary>
    public static double DefaultTemperature(string method) => method is MethodNames.Ted or MethodNames.Lwd ? 2 : 1;

    /// <summary>The temperature in effect.</summary>
    [JsonIgnore]
    public double EffectiveTemperature => Temperature ?? DefaultTemperature(Name ?? "");

    /// <summary>The weights in effect: the manifest's, completed with the method's defaults; 0 for terms the method lacks.</summary>
    public TermWeights EffectiveWeights()
    {
        var method = RequireKnownName();
        var defaults = TermWeights.Defaults(method);
        var w = Weights ?? new MethodWeights();
        return new TermWeights(
            w.Ce ?? defaults.Ce,
            w.Kd ?? defaults.Kd,
            w.ReverseKl ?? defaults.ReverseKl,
            w.Atkd ?? defaults.Atkd,
            w.Hidden ?? defaults.Hidden,
            w.Attention ?? defaults.Attention);
    }

    /// <summary>ATKD's settings in effect (the defaults when the section is absent).</summary>
    [JsonIgnore]
    public AtkdOptions EffectiveAtkd => Atkd ?? new AtkdOptions();

    /// <summary>TED's settings in effect (the defaults when the section is absent).</summary>
    [JsonIgnore]
    public TedOptions EffectiveTed => Ted ?? new TedOptions();

    /// <summary>Feature alignment's settings in effect (the defaults when the section is absent).</summary>
    [JsonIgnore]
    public FeatureAlignmentOptions EffectiveFeatureAlignment => FeatureAlignment ?? new FeatureAlignmentOptions();

    /// <summary>
    /// The matched layers: TED's and LWD's intervals (k·I_s, k·I_t), feature alignment's explicit pairs or the uniform
    /// map; empty for methods without layer terms. Throws <see cref="MethodOptionsException"/> when they do not fit.
    /// </summary>
    public IReadOnlyList<LayerPair> ResolveLayerPairs(int studentLayers, int teacherLayers)
    {
        var method = RequireKnownName();
        var problems = new List<string>();
        IReadOnlyList<LayerPair> pairs = [];
        switch (method)
        {
            case MethodNames.Ted or MethodNames.Lwd:
                var intervals = LayerMapping.ResolveTedIntervals(EffectiveTed.StudentInterval, EffectiveTed.TeacherInterval, studentLayers, teacherLayers,
                    "method.ted", problems);
                pairs = intervals?.Pairs() ?? [];
                break;
            case MethodNames.FeatureAlignment:
                var explicitPairs = EffectiveFeatureAlignment.LayerPairs;
                if (explicitPairs is null)
                {
                    pairs = LayerMapping.Uniform(studentLayers, teacherLayers);
                }
                else
                {
                    problems.AddRange(LayerMapping.ValidatePairs(explicitPairs, studentLayers, teacherLayers, "method.featureAlignment.layerPairs"));
                    pairs = explicitPairs.ToArray();
                }
                break;
        }
        if (problems.Count > 0)
        {
            throw new MethodOptionsException(problems);
        }
        return pairs;
    }

    /// <summary>TED's intervals for the two depths; throws <see cref="MethodOptionsException"/> when they do not fit.</summary>
    public TedIntervals ResolveTedIntervals(int studentLayers, int teacherLayers)
    {
        var problems = new List<string>();
        var intervals = LayerMapping.ResolveTedIntervals(EffectiveTed.StudentInterval, EffectiveTed.TeacherInterval, studentLayers, teacherLayers,
            "method.ted", problems);
        return intervals ?? throw new MethodOptionsException(problems);
    }

    /// <summary>d_f in effect: <see cref="TedOptions.FilterWidth"/>, or the teacher's hidden size.</summary>
    public int ResolveFilterWidth(int teacherHiddenSize) => EffectiveTed.FilterWidth ?? teacherHiddenSize;

    /// <summary>
    /// Every problem of the section for a student of <paramref name="studentLayers"/> and a teacher of
    /// <paramref name="teacherLayers"/> layers, each starting with its JSON path (<c>method.temperature: must be &gt; 0, got 0</c>);
    /// empty when the section is valid.
    /// </summary>
    public IReadOnlyList<string> Validate(int studentLayers, int teacherLayers)
    {
        var problems = new List<string>();
        if (studentLayers < 1)
        {
            problems.Add(Invariant($"the student has {studentLayers} layers; it needs at least 1"));
        }
        if (teacherLayers < 1)
        {
            problems.Add(Invariant($"the teacher has {teacherLayers} layers; it needs at least 1"));
        }
        ValidateCore(studentLayers, teacherLayers, problems);
        return problems;
    }

    /// <summary>
    /// Every problem of the section that does not depend on the models' depths (the layer mapping is checked by
    /// <see cref="Validate(int, int)"/> once they are known), each starting with its JSON path; empty when there is none.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        ValidateCore(null, null, problems);
        return problems;
    }

    private void ValidateCore(int? studentLayers, int? teacherLayers, List<string> problems)
    {
        if (Name is null)
        {
            problems.Add($"method.name: is required (known: {string.Join(", ", MethodNames.All)})");
            return;
        }
        if (!MethodNames.All.Contains(Name))
        {
            problems.Add($"method.name: unknown method '{Name}' (known: {string.Join(", ", MethodNames.All)})");
            return;
        }
        var method = Name;
        ValidateTemperature(method, problems);
        ValidateWeights(method, problems);
        ValidateSections(method, problems);
        if (Atkd is not null && method == MethodNames.Atkd)
        {
            ValidateAtkd(Atkd, problems);
        }
        if (method is MethodNames.Ted or MethodNames.Lwd)
        {
            ValidateTed(method, EffectiveTed, studentLayers, teacherLayers, problems);
        }
        if (FeatureAlignment is not null && method == MethodNames.FeatureAlignment)
        {
            ValidateFeatureAlignment(FeatureAlignment, studentLayers, teacherLayers, problems);
        }
    }

    /// <summary>
    /// <see cref="Validate(int, int)"/> for two model configs, plus what needs more than their depths: logit terms need
    /// one vocabulary.
    /// </summary>
    public IReadOnlyList<string> Validate(ModelConfig student, ModelConfig teacher)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        var problems = Validate(student.NumLayers, teacher.NumLayers).ToList();
        if (problems.Count == 0 && student.VocabSize != teacher.VocabSize && EffectiveWeights().DistilsLogits)
        {
            problems.Add(Invariant(
                $"method.name: '{Name}' compares the models' next-token distributions, but the student's vocabulary ({student.VocabSize}) differs from the teacher's ({teacher.VocabSize}); they need one tokenizer"));
        }
        return problems;
    }

    /// <summary>Throws <see cref="MethodOptionsException"/> listing every problem <see cref="Validate(ModelConfig, ModelConfig)"/> finds.</summary>
    public void ThrowIfInvalid(ModelConfig student, ModelConfig teacher)
    {
        var problems = Validate(student, teacher);
        if (problems.Count > 0)
        {
            throw new MethodOptionsException(problems);
        }
    }

    /// <summary>Reads a method section; unknown or mistyped fields become a <see cref="MethodOptionsException"/> naming their path.</summary>
    public static MethodOptions FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, ContractsJsonContext.Default.MethodOptions)
                ?? throw new MethodOptionsException("method: is null");
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 1 } p ? "method" + p[1..] : "method";
            throw new MethodOptionsException($"{path}: {e.Message}", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, ContractsJsonContext.Indented.MethodOptions);

    private string RequireKnownName()
    {
        if (Name is null || !MethodNames.All.Contains(Name))
        {
            throw new MethodOptionsException(Name is null
                ? $"method.name: is required (known: {string.Join(", ", MethodNames.All)})"
                : $"method.name: unknown method '{Name}' (known: {string.Join(", ", MethodNames.All)})");
        }
        return Name;
    }

    private void ValidateTemperature(string method, List<string> problems)
    {
        if (Temperature is not double t)
        {
            return;
        }
        if (!double.IsFinite(t) || t <= 0)
        {
            problems.Add(Invariant($"method.temperature: must be > 0, got {t}"));
        }
        else if (method == MethodNames.Ce)
        {
            problems.Add("method.temperature: the 'ce' method has no distillation term to apply it to");
        }
        else if (method == MethodNames.Atkd && t != 1)
        {
            problems.Add(Invariant($"method.temperature: atkd runs at temperature 1, as the authors' code (its easy/hard split and decomposition are defined there), got {t}"));
        }
    }

    private void ValidateWeights(string method, List<string> problems)
    {
        var w = Weights ?? new MethodWeights();
        (string Name, double? Value)[] terms =
        [
            ("ce", w.Ce), ("kd", w.Kd), ("reverseKl", w.ReverseKl), ("atkd", w.Atkd), ("hidden", w.Hidden), ("attention", w.Attention),
        ];
        foreach (var (term, value) in terms)
        {
            if (value is not double v)
            {
                continue;
            }
            if (!double.IsFinite(v) || v < 0)
            {
                problems.Add(Invariant($"method.weights.{term}: must be ≥ 0, got {v}"));
            }
            else if (!TermWeights.Uses(method, term) && v != 0)
            {
                problems.Add($"method.weights.{term}: the '{method}' method has no {term} term");
            }
        }
        var effective = EffectiveWeights();
        if (problems.Count == 0 && effective.Ce + effective.Kd + effective.ReverseKl + effective.Atkd + effective.Hidden + effective.Attention == 0)
        {
            problems.Add("method.weights: every weight is 0, so nothing would be trained");
        }
    }

    private void ValidateSections(string method, List<string> problems)
    {
        if (Atkd is not null && method != MethodNames.Atkd)
        {
            problems.Add($"method.atkd: only the 'atkd' method reads this section (method.name is '{method}')");
        }
        if (Ted is not null && method is not (MethodNames.Ted or MethodNames.Lwd))
        {
            problems.Add($"method.ted: only the 'ted' and 'lwd' methods read this section (method.name is '{method}')");
        }
        if (FeatureAlignment is not null && method != MethodNames.FeatureAlignment)
        {
            problems.Add($"method.featureAlignment: only the 'feature-alignment' method reads this section (method.name is '{method}')");
        }
    }

    private static void ValidateAtkd(AtkdOptions atkd, List<string> problems)
    {
        if (!(atkd.Lambda is >= 0 and <= 1))
        {
            problems.Add(Invariant($"method.atkd.lambda: must be in [0, 1], got {atkd.Lambda}"));
        }
        if (!(atkd.HardFraction is > 0 and < 1))
        {
            problems.Add(Invariant($"method.atkd.hardFraction: must be in (0, 1), got {atkd.HardFraction}"));
        }
        if (atkd.ParsedSetting is null)
        {
            problems.Add($"method.atkd.setting: unknown setting '{atkd.Setting}' (known: forward, reverse)");
        }
    }

    private static void ValidateTed(string method, TedOptions ted, int? studentLayers, int? teacherLayers, List<string> problems)
    {
        if (studentLayers is >= 1 && teacherLayers is >= 1)
        {
            LayerMapping.ResolveTedIntervals(ted.StudentInterval, ted.TeacherInterval, studentLayers.Value, teacherLayers.Value, "method.ted", problems);
        }
        else if (studentLayers is null && teacherLayers is null)
        {
            // The depths come later; an interval below 1 is wrong for any of them (the message LayerMapping gives).
            foreach (var (field, interval) in new[] { ("studentInterval", ted.StudentInterval), ("teacherInterval", ted.TeacherInterval) })
            {
                if (interval is < 1)
                {
                    problems.Add(Invariant($"method.ted.{field}: must be ≥ 1 (or null for auto), got {interval}"));
                }
            }
        }
        if (method == MethodNames.Lwd)
        {
            if (ted.FilterWidth is not null)
            {
                problems.Add("method.ted.filterWidth: the 'lwd' method has no filters (its projections map to the teacher's width)");
            }
            if (ted.Nonlinear)
            {
                problems.Add("method.ted.nonlinear: the 'lwd' method has no filters (its projections are linear)");
            }
            return;
        }
        if (ted.FilterWidth is int width && width < 1)
        {
            problems.Add(Invariant($"method.ted.filterWidth: must be ≥ 1 (or null for the teacher's width), got {width}"));
        }
        if (ted.StageOneSteps < 1)
        {
            problems.Add(Invariant($"method.ted.stageOneSteps: must be ≥ 1, got {ted.StageOneSteps}"));
        }
        if (!double.IsFinite(ted.StageOneLearningRate) || ted.StageOneLearningRate <= 0)
        {
            problems.Add(Invariant($"method.ted.stageOneLearningRate: must be > 0, got {ted.StageOneLearningRate}"));
        }
    }

    private static void ValidateFeatureAlignment(FeatureAlignmentOptions options, int? studentLayers, int? teacherLayers, List<string> problems)
    {
        if (options.ParsedHiddenLoss is null)
        {
            problems.Add($"method.featureAlignment.hiddenLoss: unknown kind '{options.HiddenLoss}' (known: mse, cosine)");
        }
        if (options.LayerPairs is not null && studentLayers is { } student && teacherLayers is { } teacher)
        {
            problems.AddRange(LayerMapping.ValidatePairs(options.LayerPairs, student, teacher, "method.featureAlignment.layerPairs"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
