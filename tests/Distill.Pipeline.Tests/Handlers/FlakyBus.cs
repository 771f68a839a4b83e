using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Handlers;

/// <summary>A bus that fails chosen sends once (as an unreachable broker would), and otherwise passes everything to the real one.</summary>
internal sealed class FlakyBus(IMessageBus inner) : IMessageBus
{
    private readonly Dictionary<string, int> _failures = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The next <paramref name="count"/> sends to <paramref name="entityName"/> throw a transient <see cref="MessagingException"/>.</summary>
    public void FailSends(string entityName, int count = 1) => _failures[entityName] = count;

    public Task SendAsync(string entityName, BusMessage message, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(entityName);
        return inner.SendAsync(entityName, message, cancellationToken);
    }

    public Task SendBatchAsync(string entityName, IReadOnlyList<BusMessage> messages, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing(entityName);
        return inner.SendBatchAsync(entityName, messages, cancellationToken);
    }

    public Task<ReceivedBusMessage?> ReceiveAsync(string entityPath, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        inner.ReceiveAsync(entityPath, maxWait, cancellationToken);

    public Task CompleteAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default) => inner.CompleteAsync(message, cancellationToken);

    public Task AbandonAsync(ReceivedBusMessage message, TimeSpan redeliveryDelay = default, CancellationToken cancellationToken = default) =>
        inner.AbandonAsync(message, redeliveryDelay, cancellationToken);

    public Task<DateTimeOffset> RenewLockAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default) => inner.RenewLockAsync(message, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private void ThrowIfFailing(string entityName)
    {
        if (_failures.TryGetValue(entityName, out var left) && left > 0)
        {
            _failures[entityName] = left - 1;
            throw new MessagingException($"the bus could not be reached while sending to {entityName} (injected)");
        }
    }
}
