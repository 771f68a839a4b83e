namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>Any other value (a number, a boolean, a reference, a call), as written.</summary>
internal sealed record BicepExpression(string Text);
