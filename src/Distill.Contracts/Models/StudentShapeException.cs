namespace Distill.Contracts.Models;

/// <summary>A student shape that cannot be built; <see cref="Problems"/> names every invalid field.</summary>
public sealed class StudentShapeException : Exception
{
    public StudentShapeException()
    {
        Problems = [];
    }

    public StudentShapeException(string message)
        : base(message)
    {
        Problems = [];
    }

    public StudentShapeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    public StudentShapeException(IReadOnlyList<StudentShapeProblem> problems)
        : base("the student shape is invalid: " + string.Join("; ", problems ?? throw new ArgumentNullException(nameof(problems))))
    {
        Problems = problems;
    }

    public IReadOnlyList<StudentShapeProblem> Problems { get; }
}
