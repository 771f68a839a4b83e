namespace Distill.Training.Distillation;

/// <summary>Which side of a distillation a model (or its TED filters) belongs to.</summary>
public enum ModelRole
{
    /// <summary>The large model distilled from; frozen, in eval mode and without gradients in every objective.</summary>
    Teacher,

    /// <summary>The small model being trained.</summary>
    Student,
}
