using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Tests.Handlers;

/// <summary>Loggers that keep every entry with the scope properties in force when it was written.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly AsyncLocal<ImmutableScope?> _scope = new();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    internal sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Scope, Exception? Exception);

    private sealed record ImmutableScope(ImmutableScope? Parent, IReadOnlyDictionary<string, object?> Properties);

    private sealed class Logger(RecordingLoggerFactory factory, string category) : ILogger
    {
        public IDisposable BeginScope<TState>(TState state)
            where TState : notnull
        {
            var properties = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            var previous = factory._scope.Value;
            factory._scope.Value = new ImmutableScope(previous, properties.ToDictionary(p => p.Key, p => p.Value));
            return new Restore(() => factory._scope.Value = previous);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, object?>();
            for (var s = factory._scope.Value; s is not null; s = s.Parent)
            {
                foreach (var (key, value) in s.Properties)
                {
                    scope.TryAdd(key, value);
                }
            }
            factory.Entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), scope, exception));
        }
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
