namespace Distill.Contracts.Methods;

/// <summary>The manifest's method section is invalid; <see cref="Problems"/> lists every problem with its JSON path.</summary>
public sealed class MethodOptionsException : Exception
{
    public MethodOptionsException(IReadOnlyList<string> problems)
        : base(Format(problems))
    {
        Problems = problems;
    }

    public MethodOptionsException()
        : this(["the method section is invalid"])
    {
    }

    public MethodOptionsException(string message)
        : this([message])
    {
    }

    public MethodOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public IReadOnlyList<string> Problems { get; }

    private static string Format(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 1
            ? "invalid method options: " + problems[0]
            : $"invalid method options ({problems.Count} problems): " + string.Join("; ", problems);
    }
}
