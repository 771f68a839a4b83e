using Distill.Training.Models;

namespace Distill.Training.Evaluation;

/// <summary>A model with the name it is reported under (its path, or a role such as "student").</summary>
public sealed record NamedModel(string Name, CausalLanguageModel Model);
