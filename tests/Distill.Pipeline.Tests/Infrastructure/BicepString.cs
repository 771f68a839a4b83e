namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>A string literal, interpolations kept as written.</summary>
internal sealed record BicepString(string Value);
