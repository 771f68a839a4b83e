namespace Distill.Contracts.Methods;

/// <summary>
/// <c>method.ted</c>: TED's filters and Stage I. The <c>lwd</c> method (TED's baseline) reads only the intervals. Stage II's
/// α and β are <c>method.weights.kd</c> and <c>method.weights.hidden</c>.
/// </summary>
/// <remarks>Properties with a default have setters, not init: the JSON source generator sets every init-only property, giving
/// those missing from the JSON default(T) instead of their default.</remarks>
public sealed record TedOptions
{
    // Settable, not init-only: source-generated JSON resets an init-only property that the document leaves out to
    // default(T) instead of keeping its initializer (dotnet/runtime#84484).

    /// <summary>The default number of Stage I optimizer steps for each model (our choice; the authors train Stage I for as many epochs as Stage II).</summary>
    public const int DefaultStageOneSteps = 1000;

    /// <summary>The default Stage I learning rate (our choice within the authors' 1e-5 … 1e-4 range).</summary>
    public const double DefaultStageOneLearningRate = 5e-5;

    /// <summary>I_s, the student layers per filter; null chooses it (<see cref="LayerMapping.ResolveTedIntervals"/>).</summary>
    public int? StudentInterval { get; init; }

    /// <summary>I_t, the teacher layers per filter; null chooses it.</summary>
    public int? TeacherInterval { get; init; }

    /// <summary>d_f, the common width both models' filters project to; null means the teacher's hidden size, as the authors' runs.</summary>
    public int? FilterWidth { get; init; }

    /// <summary>Two-layer filters with GELU instead of the default linear ones.</summary>
    public bool Nonlinear { get; init; }

    /// <summary>Stage I optimizer steps, for each model's filters.</summary>
    public int StageOneSteps { get; set; } = DefaultStageOneSteps;

    /// <summary>Stage I learning rate.</summary>
    public double StageOneLearningRate { get; set; } = DefaultStageOneLearningRate;
}
