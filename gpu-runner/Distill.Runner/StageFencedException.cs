namespace Distill.Runner;

/// <summary>A write for a stage was refused because the runner lost the stage's lock or lease (<see cref="StageFence"/>).</summary>
public sealed class StageFencedException : Exception
{
    public StageFencedException()
        : this("the stage is fenced: this runner no longer holds it")
    {
    }

    public StageFencedException(string message)
        : base(message)
    {
    }

    public StageFencedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
