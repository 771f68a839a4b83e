namespace Distill.Pipeline.Tests.Azure.ServiceBus;

/// <summary>A request as <see cref="FakeServiceBusServer"/> received it, and the status it answered.</summary>
internal sealed class RecordedRequest
{
    public required string Method { get; init; }

    /// <summary>The path and query as sent, such as <c>/work/messages/head?timeout=0</c>.</summary>
    public required string PathAndQuery { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required byte[] Body { get; init; }

    public int Status { get; set; }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"{Method} {PathAndQuery} -> {Status}";
}
