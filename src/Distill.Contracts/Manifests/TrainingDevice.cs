using System.Text.Json.Serialization;

namespace Distill.Contracts.Manifests;

/// <summary>Where training runs (<c>training.device</c>).</summary>
public enum TrainingDevice
{
    /// <summary><c>auto</c>: the runner's GPU when it has one, else the CPU.</summary>
    [JsonStringEnumMemberName("auto")]
    Auto,

    /// <summary><c>cpu</c>.</summary>
    [JsonStringEnumMemberName("cpu")]
    Cpu,

    /// <summary><c>cuda</c>: a GPU; a runner without one fails the stage.</summary>
    [JsonStringEnumMemberName("cuda")]
    Cuda,
}
