namespace Distill.Training.Trainers;

/// <summary>Trainer options with invalid values; the message names every field and the rule it breaks.</summary>
public sealed class TrainerOptionsException : Exception
{
    public TrainerOptionsException(IReadOnlyList<string> problems)
        : base("invalid trainer options: " + string.Join("; ", problems ?? []))
    {
        Problems = problems ?? [];
    }

    public TrainerOptionsException()
        : this([])
    {
    }

    public TrainerOptionsException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public TrainerOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>One entry per invalid field.</summary>
    public IReadOnlyList<string> Problems { get; }
}
