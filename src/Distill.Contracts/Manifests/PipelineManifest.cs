using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Distill.Contracts.Json;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Manifests;

/// <summary>
/// A run's manifest, <c>pipeline.json</c> at the root of an upload: the teacher, the data, the student's shape, the
/// distillation method, training settings, evaluation gates and the output's name. Read it with <see cref="Parse"/>,
/// which reports every problem at once, each with its JSON path; check what needs the teacher's config with
/// <see cref="Validate(ModelConfig)"/>. Every section and most fields are optional; the defaults are documented on each
/// property. See the project's README for a complete example.
/// </summary>
public sealed record PipelineManifest
{
    /// <summary>The manifest format this Distill reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The manifest's file name in an upload.</summary>
    public const string FileName = BlobPaths.ManifestFileName;

    private static readonly string[] s_sections = ["", "version", "name", "teacher", "data", "student", "method", "training", "evaluation", "output"];

    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>The format's version; must be 1. Required in the file.</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>
    /// The run's name, which also names the published model unless <c>output.name</c> does: 1 to 63 lowercase letters,
    /// digits and '-', starting with a letter or digit. Required.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>Where the teacher is. Default: the <c>teacher</c> folder.</summary>
    public TeacherSection Teacher { get; set; } = new();

    /// <summary>The training and validation text. <c>data.train</c> is required.</summary>
    public DataSection Data { get; set; } = new();

    /// <summary>The student's shape and initialisation. Default: the teacher's shape, initialised from its layers.</summary>
    public StudentSection Student { get; set; } = new();

    /// <summary>The distillation method and its options (<see cref="MethodOptions"/>). Required, with its <c>name</c>.</summary>
    public MethodOptions? Method { get; set; }

    /// <summary>Optimizer, schedule, checkpoints, device.</summary>
    public TrainingSection Training { get; set; } = new();

    /// <summary>How the student is compared with the teacher and what it must reach.</summary>
    public EvaluationSection Evaluation { get; set; } = new();

    /// <summary>How the published student is named.</summary>
    public OutputSection Output { get; set; } = new();

    /// <summary>The name the student is published under: <c>output.name</c>, or the manifest's <c>name</c>.</summary>
    public string? OutputName() => Output.Name ?? Name;

    /// <summary>
    /// Reads a manifest. Throws <see cref="ManifestException"/> listing every problem: JSON syntax (with line and
    /// column), unknown or duplicate fields and values of the wrong kind (with their paths), and everything
    /// <see cref="Validate()"/> finds. What needs the teacher is checked by <see cref="Validate(ModelConfig)"/>.
    /// </summary>
    public static PipelineManifest Parse(string json, string fileName = FileName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(fileName);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            var position = Invariant($"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}");
            throw new ManifestException(fileName, [new ManifestProblem("", $"not valid JSON at {position}: {WithoutPosition(e.Message)}")]);
        }
        using (document)
        {
            return Read(document.RootElement, fileName);
        }
    }

    /// <summary>Reads and parses a manifest file (see <see cref="Parse"/>); problems name the file.</summary>
    public static PipelineManifest Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>The manifest as indented JSON, defaults included.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ContractsJsonContext.Indented.PipelineManifest);

    /// <summary>The SHA-256 of a manifest's bytes, as lowercase hex: the run state and stage commands carry it.</summary>
    public static string Sha256(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>
    /// Every problem that can be found without the teacher: required fields, ranges, names, paths that must stay inside
    /// the upload, enum values, the student's shape as far as it is given, and the method section apart from what
    /// depends on the models' depths. Empty when there is none.
    /// </summary>
    public IReadOnlyList<ManifestProblem> Validate() => Collect(null);

    /// <summary>
    /// <see cref="Validate()"/> plus what needs the teacher's config: the student's shape built on it
    /// (<see cref="StudentShape.ToConfig"/>), the method's layer mapping for both depths and one vocabulary, and a
    /// block size within the teacher's positions.
    /// </summary>
    public IReadOnlyList<ManifestProblem> Validate(ModelConfig teacher)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        return Collect(teacher);
    }

    /// <summary>Throws <see cref="ManifestException"/> with every problem <see cref="Validate(ModelConfig)"/> (or, without a teacher, <see cref="Validate()"/>) finds.</summary>
    public void ThrowIfInvalid(ModelConfig? teacher = null, string fileName = FileName)
    {
        var problems = teacher is null ? Validate() : Validate(teacher);
        if (problems.Count > 0)
        {
            throw new ManifestException(fileName, problems);
        }
    }

    /// <summary>The student's config: the teacher's with <c>student</c>'s shape. Throws <see cref="StudentShapeException"/> when it cannot be built.</summary>
    public ModelConfig StudentConfig(ModelConfig teacher) => Student.ToShape().ToConfig(teacher);

    private static PipelineManifest Read(JsonElement root, string fileName)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestException(fileName, [new ManifestProblem("", $"the manifest must be a JSON object, got {JsonShapeChecker.Describe(root)}")]);
        }
        var problems = new List<ManifestProblem>();
        if (!root.TryGetProperty("version", out var version))
        {
            problems.Add(new ManifestProblem("version", Invariant($"is required; write \"version\": {CurrentVersion}")));
        }
        else if (version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var number) && number != CurrentVersion)
        {
            // Another version's fields mean other things: its other problems would only mislead.
            throw new ManifestException(fileName, [UnsupportedVersion(number)]);
        }

        var checker = new JsonShapeChecker(ContractsJsonContext.Default);
        var copy = checker.Check(root, typeof(PipelineManifest), "");
        problems.InsertRange(0, checker.Problems);
        PipelineManifest manifest;
        try
        {
            manifest = copy.Deserialize(ContractsJsonContext.Default.PipelineManifest) ?? new PipelineManifest();
        }
        catch (JsonException e)
        {
            // The shape check should have caught it; report it rather than lose it.
            var path = e.Path is { Length: > 2 } p ? p[2..] : "";
            problems.Add(new ManifestProblem(path, WithoutPosition(e.Message)));
            throw new ManifestException(fileName, problems);
        }
        problems.AddRange(manifest.Validate().Where(problem => !checker.IsRemoved(problem.Path)));
        if (problems.Count > 0)
        {
            throw new ManifestException(fileName, [.. problems.OrderBy(p => SectionOrder(p.Path))]);
        }
        return manifest;
    }

    /// <summary>Where a path's top-level member comes in a manifest, so problems read section by section (unknown members last).</summary>
    private static int SectionOrder(string path)
    {
        var end = path.AsSpan().IndexOfAny('.', '[');
        var section = end < 0 ? path : path[..end];
        var index = Array.IndexOf(s_sections, section);
        return index < 0 ? s_sections.Length : index;
    }

    private List<ManifestProblem> Collect(ModelConfig? teacher)
    {
        var problems = new List<ManifestProblem>();
        void Add(string path, string message) => problems.Add(new ManifestProblem(path, message));

        if (Version != CurrentVersion)
        {
            problems.Add(UnsupportedVersion(Version));
        }
        if (Name is null)
        {
            Add("name", "is required: the run's name, e.g. \"tiny-gpt2-kd\" (lowercase letters, digits and '-')");
        }
        else if (BlobPaths.IdProblem(Name) is { } nameProblem)
        {
            Add("name", nameProblem);
        }
        CheckPath("teacher.path", Teacher.Path, problems);
        CheckData(teacher, problems);
        var studentConfig = CheckStudent(teacher, problems);
        CheckMethod(teacher, studentConfig, problems);
        CheckTraining(problems);
        CheckEvaluation(problems);
        if (Output.Name is not null && BlobPaths.IdProblem(Output.Name) is { } outputProblem)
        {
            Add("output.name", outputProblem);
        }
        return problems;
    }

    private void CheckData(ModelConfig? teacher, List<ManifestProblem> problems)
    {
        void Add(string path, string message) => problems.Add(new ManifestProblem(path, message));
        var data = Data;
        if (data.Train is null)
        {
            Add("data.train", "is required: the training files or folders, e.g. [\"data/train.jsonl\"]");
        }
        else
        {
            CheckPathList("data.train", data.Train, problems);
        }
        if (data.Validation is not null)
        {
            CheckPathList("data.validation", data.Validation, problems);
            var train = new HashSet<string>((data.Train ?? []).Where(p => p is not null).Select(Normalize), StringComparer.Ordinal);
            for (var i = 0; i < data.Validation.Count; i++)
            {
                if (data.Validation[i] is { } path && train.Contains(Normalize(path)))
                {
                    Add(Invariant($"data.validation[{i}]"), $"'{path}' is also in data.train; validation data must be held out");
                }
            }
            if (data.ValidationFraction is not null)
            {
                Add("data.validationFraction", "is only used when data.validation is absent; remove one of them");
            }
        }
        else if (data.ValidationFraction is { } fraction && !(fraction > 0 && fraction < 1))
        {
            Add("data.validationFraction", Invariant($"must be in (0, 1), got {fraction}"));
        }
        if (string.IsNullOrWhiteSpace(data.TextField))
        {
            Add("data.textField", "must not be empty");
        }
        if (string.IsNullOrWhiteSpace(data.MessagesField))
        {
            Add("data.messagesField", "must not be empty");
        }
        else if (data.MessagesField == data.TextField)
        {
            Add("data.messagesField", $"must differ from data.textField ('{data.TextField}')");
        }
        if (data.BlockSize < 2)
        {
            Add("data.blockSize", Invariant($"must be at least 2, got {data.BlockSize}"));
        }
        else if (teacher is not null && data.BlockSize > teacher.MaxPositions)
        {
            Add("data.blockSize", Invariant($"{data.BlockSize} tokens exceed the teacher's {teacher.MaxPositions} positions (max_position_embeddings)"));
        }
        CheckEnum("data.invalidRecords", data.InvalidRecords, problems);
        CheckEnum("data.textDocuments", data.TextDocuments, problems);
        if (data.DocumentSeparator is { } separator)
        {
            if (separator.Trim().Length == 0)
            {
                Add("data.documentSeparator", "must not be blank; leave it out to end documents at blank lines");
            }
            else if (data.TextDocuments == TextDocumentsMode.File)
            {
                Add("data.documentSeparator", "is only used with data.textDocuments 'paragraphs'");
            }
        }
    }

    private ModelConfig? CheckStudent(ModelConfig? teacher, List<ManifestProblem> problems)
    {
        void Add(string path, string message) => problems.Add(new ManifestProblem(path, message));
        var student = Student;
        var before = problems.Count;
        foreach (var (path, value) in new[]
        {
            ("student.layers", student.Layers), ("student.hiddenSize", student.HiddenSize), ("student.heads", student.Heads),
            ("student.keyValueHeads", student.KeyValueHeads), ("student.intermediateSize", student.IntermediateSize),
        })
        {
            if (value is < 1)
            {
                Add(path, Invariant($"must be at least 1, got {value}"));
            }
        }
        if (student.HiddenSize is > 0 and var hidden && student.Heads is > 0 and var heads && hidden % heads != 0)
        {
            Add("student.hiddenSize", Invariant($"{heads} heads do not divide hidden_size {hidden}"));
        }
        if (student.Heads is > 0 and var queryHeads && student.KeyValueHeads is > 0 and var kvHeads && queryHeads % kvHeads != 0)
        {
            Add("student.keyValueHeads", Invariant($"{kvHeads} key/value heads do not divide the {queryHeads} heads"));
        }
        CheckEnum("student.init", student.Init, problems);
        if (teacher is null || problems.Count > before)
        {
            return null;
        }
        try
        {
            return StudentConfig(teacher);
        }
        catch (StudentShapeException e)
        {
            problems.AddRange(e.Problems.Select(p => new ManifestProblem(StudentFieldPath(p.Field), p.Message)));
        }
        catch (ModelConfigException e)
        {
            Add("student", e.Message);
        }
        return null;
    }

    private void CheckMethod(ModelConfig? teacher, ModelConfig? studentConfig, List<ManifestProblem> problems)
    {
        if (Method is null)
        {
            problems.Add(new ManifestProblem("method", $"is required: the distillation method, e.g. {{\"name\": \"kd\"}} (known: {string.Join(", ", MethodNames.All)})"));
            return;
        }
        IReadOnlyList<string> texts;
        var studentLayers = studentConfig?.NumLayers ?? Student.Layers ?? teacher?.NumLayers;
        if (teacher is null || studentLayers is not >= 1)
        {
            texts = Method.Validate();
        }
        else if (studentConfig is not null)
        {
            texts = Method.Validate(studentConfig, teacher);
        }
        else
        {
            texts = Method.Validate(studentLayers.Value, teacher.NumLayers);
        }
        problems.AddRange(texts.Select(text => ManifestProblem.FromText(text, "method")));
        if (Method is { Name: MethodNames.Ted, Ted.StageOneSteps: not TedOptions.DefaultStageOneSteps })
        {
            problems.Add(new ManifestProblem("method.ted.stageOneSteps", "the pipeline's filter stages train training.filterSteps steps; set that instead"));
        }
    }

    private void CheckTraining(List<ManifestProblem> problems)
    {
        void Add(string path, string message) => problems.Add(new ManifestProblem(path, message));
        var t = Training;
        if (t.Steps < 1)
        {
            Add("training.steps", Invariant($"must be at least 1, got {t.Steps}"));
        }
        if (t.BatchSize < 1)
        {
            Add("training.batchSize", Invariant($"must be at least 1, got {t.BatchSize}"));
        }
        if (t.GradientAccumulation < 1)
        {
            Add("training.gradientAccumulation", Invariant($"must be at least 1, got {t.GradientAccumulation}"));
        }
        var learningRateOk = double.IsFinite(t.LearningRate) && t.LearningRate > 0;
        if (!learningRateOk)
        {
            Add("training.learningRate", Invariant($"must be > 0, got {t.LearningRate}"));
        }
        if (t.MinLearningRate is { } min && learningRateOk && !(min >= 0 && min <= t.LearningRate))
        {
            Add("training.minLearningRate", Invariant($"must be in [0, training.learningRate = {t.LearningRate}], got {min}"));
        }
        if (t.Steps >= 1 && t.WarmupSteps is var warmup && (warmup < 0 || warmup > t.Steps))
        {
            Add("training.warmupSteps", Invariant($"must be in [0, training.steps = {t.Steps}], got {warmup}"));
        }
        if (!(double.IsFinite(t.WeightDecay) && t.WeightDecay >= 0))
        {
            Add("training.weightDecay", Invariant($"must be ≥ 0, got {t.WeightDecay}"));
        }
        if (!(double.IsFinite(t.MaxGradNorm) && t.MaxGradNorm >= 0))
        {
            Add("training.maxGradNorm", Invariant($"must be ≥ 0 (0 turns clipping off), got {t.MaxGradNorm}"));
        }
        if (t.CheckpointEvery < 0)
        {
            Add("training.checkpointEvery", Invariant($"must be ≥ 0 (0: only at the end), got {t.CheckpointEvery}"));
        }
        if (t.EvaluateEvery < 0)
        {
            Add("training.evaluateEvery", Invariant($"must be ≥ 0 (0: only at the end), got {t.EvaluateEvery}"));
        }
        CheckEnum("training.device", t.Device, problems);
        if (t.FilterSteps is { } filterSteps)
        {
            if (filterSteps < 1)
            {
                Add("training.filterSteps", Invariant($"must be at least 1, got {filterSteps}"));
            }
            else if (Method?.Name is { } method && method != MethodNames.Ted)
            {
                Add("training.filterSteps", $"only the 'ted' method has filter stages (method.name is '{method}')");
            }
        }
    }

    private void CheckEvaluation(List<ManifestProblem> problems)
    {
        void Add(string path, string message) => problems.Add(new ManifestProblem(path, message));
        var e = Evaluation;
        if (e.MaxBlocks is < 1)
        {
            Add("evaluation.maxBlocks", Invariant($"must be at least 1, got {e.MaxBlocks}"));
        }
        if (e.BatchSize < 1)
        {
            Add("evaluation.batchSize", Invariant($"must be at least 1, got {e.BatchSize}"));
        }
        for (var i = 0; i < e.Prompts.Count; i++)
        {
            if (string.IsNullOrEmpty(e.Prompts[i]))
            {
                Add(Invariant($"evaluation.prompts[{i}]"), "must not be empty");
            }
        }
        var gates = e.Gates;
        if (gates.MaxPerplexityRatio is { } ratio && !(double.IsFinite(ratio) && ratio > 0))
        {
            Add("evaluation.gates.maxPerplexityRatio", Invariant($"must be > 0, got {ratio}"));
        }
        if (gates.MinTopOneAgreement is { } agreement && !(agreement is >= 0 and <= 1))
        {
            Add("evaluation.gates.minTopOneAgreement", Invariant($"must be in [0, 1], got {agreement}"));
        }
        if (gates.MaxForwardKl is { } kl && !(double.IsFinite(kl) && kl >= 0))
        {
            Add("evaluation.gates.maxForwardKl", Invariant($"must be ≥ 0, got {kl}"));
        }
    }

    private static void CheckPathList(string path, IReadOnlyList<string> paths, List<ManifestProblem> problems)
    {
        if (paths.Count == 0)
        {
            problems.Add(new ManifestProblem(path, "must list at least one file or folder"));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < paths.Count; i++)
        {
            var at = Invariant($"{path}[{i}]");
            if (CheckPath(at, paths[i], problems) && !seen.Add(Normalize(paths[i])))
            {
                problems.Add(new ManifestProblem(at, $"'{paths[i]}' is listed twice"));
            }
        }
    }

    private static bool CheckPath(string path, string? value, List<ManifestProblem> problems)
    {
        if (BlobPaths.RelativePathProblem(value) is { } problem)
        {
            problems.Add(new ManifestProblem(path, problem));
            return false;
        }
        return true;
    }

    private static void CheckEnum<T>(string path, T value, List<ManifestProblem> problems)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            var known = string.Join(", ", JsonShapeChecker.EnumNames(typeof(T)));
            problems.Add(new ManifestProblem(path, $"unknown value '{value}' (known: {known})"));
        }
    }

    private static string StudentFieldPath(string field) => field switch
    {
        "layers" => "student.layers",
        "hidden_size" => "student.hiddenSize",
        "heads" => "student.heads",
        "kv_heads" => "student.keyValueHeads",
        "intermediate_size" => "student.intermediateSize",
        _ => "student",
    };

    private static ManifestProblem UnsupportedVersion(int version) =>
        new("version", Invariant($"unsupported version {version}; this Distill reads version {CurrentVersion}"));

    private static string Normalize(string path) => path.TrimEnd('/');

    /// <summary>The serializer's message without its 0-based "LineNumber: … | BytePositionInLine: …" suffix.</summary>
    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (at < 0)
        {
            at = message.IndexOf(" Path:", StringComparison.Ordinal);
        }
        return (at < 0 ? message : message[..at]).TrimEnd();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
