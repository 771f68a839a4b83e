namespace Distill.Contracts.Models;

/// <summary>A config.json that is malformed or describes a model Distill does not support.</summary>
public sealed class ModelConfigException : Exception
{
    public ModelConfigException()
    {
    }

    public ModelConfigException(string message)
        : base(message)
    {
    }

    public ModelConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
