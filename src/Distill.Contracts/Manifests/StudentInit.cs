using System.Text.Json.Serialization;

namespace Distill.Contracts.Manifests;

/// <summary>How the student's weights start (<c>student.init</c>).</summary>
public enum StudentInit
{
    /// <summary><c>teacher-layers</c>: copied from the teacher where shapes allow (embeddings, evenly spaced layers), random elsewhere.</summary>
    [JsonStringEnumMemberName("teacher-layers")]
    TeacherLayers,

    /// <summary><c>random</c>: all random, from <c>student.seed</c>.</summary>
    [JsonStringEnumMemberName("random")]
    Random,
}
