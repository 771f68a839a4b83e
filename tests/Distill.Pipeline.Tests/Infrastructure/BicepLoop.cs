namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>A <c>[for header: body]</c> loop.</summary>
internal sealed record BicepLoop(string Header, object Body);
