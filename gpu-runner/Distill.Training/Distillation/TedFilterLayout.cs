using System.Globalization;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>
/// Where one model's TED filters sit and what they map: filter k (0-based) reads the output of layer (k + 1)·I of a
/// model of <see cref="ModelLayers"/> layers and width <see cref="InputWidth"/>, and maps it to the common width d_f.
/// Both models' layouts follow from the method section and the two model configs (<see cref="For"/>); a filters artifact
/// records its layout, and loading checks it against the one the models at hand give.
/// </summary>
public sealed record TedFilterLayout
{
    /// <summary>Whose filters these are.</summary>
    public required ModelRole Role { get; init; }

    /// <summary>The depth of the model the filters belong to.</summary>
    public required int ModelLayers { get; init; }

    /// <summary>I: layers per filter (I_t for the teacher, I_s for the student).</summary>
    public required int Interval { get; init; }

    /// <summary>K, the same for both models.</summary>
    public required int FilterCount { get; init; }

    /// <summary>The model's hidden size d, the filters' input width.</summary>
    public required long InputWidth { get; init; }

    /// <summary>d_f, the filters' output width, the same for both models.</summary>
    public required long FilterWidth { get; init; }

    /// <summary>Two-layer filters with GELU instead of linear ones.</summary>
    public required bool Nonlinear { get; init; }

    /// <summary>The 1-based layers the filters read, I, 2·I, …, K·I (<c>ModelOutput.HiddenStates[l]</c>).</summary>
    public IReadOnlyList<int> Layers() => Enumerable.Range(1, FilterCount).Select(k => k * Interval).ToArray();

    /// <summary>
    /// The layout of <paramref name="role"/>'s filters for a <c>ted</c> method section and the two models: the
    /// intervals from <see cref="MethodOptions.ResolveTedIntervals"/>, d_f from <see cref="MethodOptions.ResolveFilterWidth"/>.
    /// </summary>
    /// <exception cref="MethodOptionsException">The section is invalid for these models, or its method is not <c>ted</c>.</exception>
    public static TedFilterLayout For(ModelRole role, MethodOptions method, ModelConfig student, ModelConfig teacher)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        method.ThrowIfInvalid(student, teacher);
        if (method.Name != MethodNames.Ted)
        {
            throw new MethodOptionsException($"method.name: task-aware filters belong to the 'ted' method, not '{method.Name}'");
        }
        var intervals = method.ResolveTedIntervals(student.NumLayers, teacher.NumLayers);
        var model = role == ModelRole.Teacher ? teacher : student;
        return new TedFilterLayout
        {
            Role = role,
            ModelLayers = model.NumLayers,
            Interval = role == ModelRole.Teacher ? intervals.Teacher : intervals.Student,
            FilterCount = intervals.FilterCount,
            InputWidth = model.HiddenSize,
            FilterWidth = method.ResolveFilterWidth(teacher.HiddenSize),
            Nonlinear = method.EffectiveTed.Nonlinear,
        };
    }

    /// <summary>
    /// New filters of this layout, initialised on the CPU from <paramref name="seed"/> (as nn.Linear) and moved to
    /// <paramref name="device"/>, so the same seed gives the same filters on every device.
    /// </summary>
    public TaskAwareFilterSet CreateFilters(ulong seed, Device? device = null)
    {
        using var generator = new Generator(seed);
        var filters = new TaskAwareFilterSet(FilterCount, InputWidth, FilterWidth, Nonlinear, Device.Cpu, generator);
        var target = device ?? Device.Cpu;
        if (target != Device.Cpu)
        {
            filters.To(target);
        }
        return filters;
    }

    /// <summary>What differs between <paramref name="filters"/> and this layout (empty when they fit).</summary>
    public IReadOnlyList<string> Mismatches(TaskAwareFilterSet filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var problems = new List<string>();
        var who = Role == ModelRole.Teacher ? "teacher's" : "student's";
        if (filters.Count != FilterCount)
        {
            problems.Add(Invariant($"the {who} filter set has {filters.Count} filters but the layout needs {FilterCount}"));
        }
        if (filters.InputWidth != InputWidth)
        {
            problems.Add(Invariant($"the {who} filters take {filters.InputWidth} features but the model's hidden size is {InputWidth}"));
        }
        if (filters.FilterWidth != FilterWidth)
        {
            problems.Add(Invariant($"the {who} filters map to {filters.FilterWidth} features but d_f is {FilterWidth}"));
        }
        if (filters.IsNonlinear != Nonlinear)
        {
            problems.Add($"the {who} filters are {(filters.IsNonlinear ? "nonlinear" : "linear")} but method.ted.nonlinear is {(Nonlinear ? "true" : "false")}");
        }
        return problems;
    }

    /// <summary>What differs between a model's config and the model this layout is for (empty when it fits).</summary>
    public IReadOnlyList<string> Mismatches(ModelConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var problems = new List<string>();
        var who = Role == ModelRole.Teacher ? "teacher" : "student";
        if (model.NumLayers != ModelLayers)
        {
            problems.Add(Invariant($"the {who} has {model.NumLayers} layers but its filters are laid out for {ModelLayers}"));
        }
        if (model.HiddenSize != InputWidth)
        {
            problems.Add(Invariant($"the {who}'s hidden size is {model.HiddenSize} but its filters take {InputWidth} features"));
        }
        return problems;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
