namespace Distill.Training.Tests.Models;

/// <summary>How a Llama config.json spells its rotary settings.</summary>
public enum RopeSpelling
{
    /// <summary>transformers 4.x: top-level <c>rope_theta</c> and <c>rope_scaling</c> (with <c>rope_type</c>).</summary>
    RopeThetaAndScaling,

    /// <summary>transformers 4.x before rope_type: <c>rope_scaling</c> with the older key <c>type</c>.</summary>
    LegacyScalingType,

    /// <summary>transformers 5: one <c>rope_parameters</c> object holding rope_type and rope_theta.</summary>
    RopeParameters,
}
