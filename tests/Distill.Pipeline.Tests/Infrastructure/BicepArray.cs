namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>An array literal.</summary>
internal sealed record BicepArray(IReadOnlyList<object> Items);
