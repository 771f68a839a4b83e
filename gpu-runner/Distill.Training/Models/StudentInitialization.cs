namespace Distill.Training.Models;

/// <summary>How a student's weights start.</summary>
public enum StudentInitialization
{
    /// <summary>Copied from the teacher where shapes allow (see <see cref="StudentBuilder"/>), random elsewhere.</summary>
    FromTeacher,

    /// <summary>All random, from the seed.</summary>
    Random,
}
