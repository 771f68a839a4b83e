namespace Distill.Contracts.Models;

/// <summary>One reason a student shape is invalid: the field (as the manifest names it) and what is wrong.</summary>
public sealed record StudentShapeProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
