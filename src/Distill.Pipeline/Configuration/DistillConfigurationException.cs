namespace Distill.Pipeline.Configuration;

/// <summary>The pipeline's configuration cannot be used; <see cref="Problems"/> lists every problem, each naming its key.</summary>
public sealed class DistillConfigurationException : Exception
{
    public DistillConfigurationException(IReadOnlyList<string> problems)
        : base(Format(problems))
    {
        Problems = problems;
    }

    public DistillConfigurationException()
        : this([])
    {
    }

    public DistillConfigurationException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public DistillConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>Every problem, each naming its configuration key.</summary>
    public IReadOnlyList<string> Problems { get; } = [];

    private static string Format(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count switch
        {
            0 => "the Distill configuration is invalid",
            1 => $"the Distill configuration has 1 problem: {problems[0]}",
            _ => $"the Distill configuration has {problems.Count} problems:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}",
        };
    }
}
