namespace Distill.Training.Data;

/// <summary>What to do with an empty file, an invalid JSON line or bytes that are not UTF-8.</summary>
public enum InvalidRecordPolicy
{
    /// <summary>Stop and report every problem found.</summary>
    Fail,

    /// <summary>Report the problem as a warning and leave the record out.</summary>
    Skip,
}
