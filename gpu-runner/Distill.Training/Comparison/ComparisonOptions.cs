using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Trainers;

namespace Distill.Training.Comparison;

/// <summary>
/// What <see cref="MethodComparison"/> compares: a teacher folder, the data, the student's shape, the methods and the
/// seeds, and one set of trainer options that every (method, seed) run shares (same steps, batch, learning rate and
/// schedule; the seed replaced by the run's).
/// </summary>
public sealed record ComparisonOptions
{
    /// <summary>The largest block a comparison uses when <see cref="BlockSize"/> is null (the teacher's context, at most this).</summary>
    public const int DefaultMaxBlockSize = 256;

    /// <summary>A model folder with its tokenizer (<see cref="Models.PretrainedModel.Load"/>), e.g. written by <c>distill train-teacher</c>.</summary>
    public required string TeacherFolder { get; init; }

    /// <summary>JSONL or text files, or folders of them: tokenized with the teacher's tokenizer (a cached dataset).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>How the inputs become blocks; its <see cref="DataOptions.BlockSize"/> is replaced by <see cref="BlockSize"/>.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>Tokens per block; null takes the teacher's context, at most <see cref="DefaultMaxBlockSize"/>.</summary>
    public int? BlockSize { get; init; }

    /// <summary>The student's shape; null takes <see cref="ComparisonDefaults.QuarterShape"/> (half the layers and half the width).</summary>
    public StudentShape? Student { get; init; }

    /// <summary>The methods, one per name (<see cref="ComparisonDefaults.Method"/> gives the settings used for tiny models).</summary>
    public required IReadOnlyList<MethodOptions> Methods { get; init; }

    /// <summary>The seeds: each initialises the student (and LWD's projections, TED's filters) and fixes the data order.</summary>
    public required IReadOnlyList<ulong> Seeds { get; init; }

    /// <summary>The training every run shares; its <see cref="TrainerOptions.Seed"/> is replaced by the run's seed.</summary>
    public required TrainerOptions Trainer { get; init; }

    /// <summary>How the students and the teacher are evaluated on the validation split.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();

    /// <summary>Where tokenized datasets are kept (<see cref="TokenDatasetCache"/>).</summary>
    public string CacheRoot { get; init; } = TokenDatasetCache.DefaultRoot;

    /// <summary>A folder for the runs' temporary checkpoints; null uses a new folder under the system's temporary folder.</summary>
    public string? WorkFolder { get; init; }

    /// <summary>Positions per chunk of the vocabulary-sized losses.</summary>
    public int ChunkTokens { get; init; } = LanguageModelingObjective.DefaultChunkTokens;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> listing every problem of the options that does not need the models:
    /// no inputs, no methods, a method twice, an invalid method section, no seeds, a seed twice, invalid trainer,
    /// data or evaluation options.
    /// </summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(TeacherFolder))
        {
            problems.Add("no teacher folder was given");
        }
        if (Inputs is null || Inputs.Count == 0)
        {
            problems.Add("no input files or folders were given");
        }
        if (Methods is null || Methods.Count == 0)
        {
            problems.Add("no methods were given");
        }
        else
        {
            foreach (var twice in Methods.GroupBy(m => m.Name).Where(g => g.Count() > 1))
            {
                problems.Add($"the method '{twice.Key}' is given {twice.Count()} times; each method runs once per seed");
            }
            foreach (var method in Methods)
            {
                problems.AddRange(method.Validate().Select(p => $"{method.Name}: {p}"));
            }
        }
        if (Seeds is null || Seeds.Count == 0)
        {
            problems.Add("no seeds were given");
        }
        else if (Seeds.Distinct().Count() != Seeds.Count)
        {
            problems.Add($"the seeds ({string.Join(", ", Seeds)}) repeat one; a repeated seed repeats a run exactly");
        }
        if (BlockSize is < 2)
        {
            problems.Add($"the block size must be at least 2 (got {BlockSize})");
        }
        if (ChunkTokens < 1)
        {
            problems.Add($"the chunk must hold at least 1 position (got {ChunkTokens})");
        }
        Collect(problems, () => Trainer.Validate());
        Collect(problems, () => (Data with { BlockSize = BlockSize ?? Data.BlockSize }).Validate());
        Collect(problems, () => Evaluation.Validate());
        if (problems.Count > 0)
        {
            throw new ArgumentException("the comparison cannot run: " + string.Join("; ", problems));
        }
    }

    private static void Collect(List<string> problems, Action validate)
    {
        try
        {
            validate();
        }
        catch (Exception e) when (e is ArgumentException or TrainerOptionsException)
        {
            problems.Add(e.Message);
        }
    }
}
