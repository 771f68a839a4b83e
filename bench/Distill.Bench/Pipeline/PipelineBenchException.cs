namespace Distill.Bench.Pipeline;

/// <summary>A pipeline case could not be measured: a run failed or timed out, or its input is missing.</summary>
public sealed class PipelineBenchException : Exception
{
    public PipelineBenchException()
    {
    }

    public PipelineBenchException(string message)
        : base(message)
    {
    }

    public PipelineBenchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
