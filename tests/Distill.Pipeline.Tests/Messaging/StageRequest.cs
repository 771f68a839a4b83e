namespace Distill.Pipeline.Tests.Messaging;

/// <summary>A message body for the JSON round-trip tests.</summary>
public sealed record StageRequest(string RunId, string Stage, int Attempt, IReadOnlyList<string> Inputs);
