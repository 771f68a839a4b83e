using Distill.Contracts.Models;

namespace Distill.Contracts.Manifests;

/// <summary>
/// <c>student</c>: the student's shape and how its weights start. A shape value left out is the teacher's (the
/// intermediate size keeps the teacher's ratio to the hidden size); everything else of the config (family,
/// vocabulary, positions, norms, tied head) always is the teacher's. See <see cref="StudentShape"/>.
/// </summary>
public sealed record StudentSection
{
    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>Decoder layers, at least 1. Default: the teacher's.</summary>
    public int? Layers { get; set; }

    /// <summary>Model width; the heads must divide it. Default: the teacher's.</summary>
    public int? HiddenSize { get; set; }

    /// <summary>Attention (query) heads. Default: the teacher's.</summary>
    public int? Heads { get; set; }

    /// <summary>Key/value heads; they must divide the heads (GPT-2: equal to them). Default: the teacher's (GPT-2: the heads).</summary>
    public int? KeyValueHeads { get; set; }

    /// <summary>Width of the MLP's hidden layer. Default: the teacher's ratio to the hidden size.</summary>
    public int? IntermediateSize { get; set; }

    /// <summary>How the weights start. Default <c>teacher-layers</c>.</summary>
    public StudentInit Init { get; set; } = StudentInit.TeacherLayers;

    /// <summary>Seed of the random initialisation. Default 0.</summary>
    public ulong Seed { get; set; }

    /// <summary>The shape part, for <see cref="StudentShape.ToConfig"/>.</summary>
    public StudentShape ToShape() => new()
    {
        Layers = Layers,
        HiddenSize = HiddenSize,
        Heads = Heads,
        KeyValueHeads = KeyValueHeads,
        IntermediateSize = IntermediateSize,
    };
}
