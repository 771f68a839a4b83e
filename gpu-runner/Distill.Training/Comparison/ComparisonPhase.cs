namespace Distill.Training.Comparison;

/// <summary>What a <see cref="ComparisonProgress"/> report is about.</summary>
public enum ComparisonPhase
{
    /// <summary>The inputs are being tokenized with the teacher's tokenizer (bytes read of the inputs' bytes).</summary>
    Tokenizing,

    /// <summary>The teacher alone is being evaluated on the validation split (its own perplexity).</summary>
    EvaluatingTeacher,

    /// <summary>TED's Stage I for the teacher's filters (steps).</summary>
    TeacherFilters,

    /// <summary>TED's Stage I for the student's filters (steps).</summary>
    StudentFilters,

    /// <summary>The student is being distilled (steps).</summary>
    Distilling,

    /// <summary>The student is being evaluated against the teacher (blocks).</summary>
    Evaluating,

    /// <summary>A run finished: <see cref="ComparisonProgress.Result"/> holds it.</summary>
    RunCompleted,
}
