namespace Distill.Pipeline.Messaging;

/// <summary>The bus topology cannot be used; <see cref="Problems"/> lists every problem, each naming the entity.</summary>
public sealed class InvalidTopologyException : Exception
{
    public InvalidTopologyException()
        : this([])
    {
    }

    public InvalidTopologyException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public InvalidTopologyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public InvalidTopologyException(IReadOnlyList<string> problems)
        : base(problems.Count == 0 ? "the bus topology is not valid" : $"the bus topology has {problems.Count} problem(s): {string.Join("; ", problems)}")
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
