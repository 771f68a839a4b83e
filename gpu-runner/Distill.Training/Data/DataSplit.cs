namespace Distill.Training.Data;

/// <summary>The two parts of a tokenized dataset.</summary>
public enum DataSplit
{
    Train,
    Validation,
}
