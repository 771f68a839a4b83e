namespace Distill.Contracts.Models;

/// <summary>
/// Rotary-embedding frequency scaling from <c>rope_scaling</c> / <c>rope_parameters</c>: "default" (none),
/// "linear" (positions divided by the factor) or "llama3" (Llama 3.1's smooth long-wavelength rescaling).
/// </summary>
public sealed record RopeScaling(string Type, double Factor = 1, double LowFreqFactor = 1, double HighFreqFactor = 4, long OriginalMaxPositions = 8192)
{
    public static readonly RopeScaling None = new("default");
}
