using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Distill.Functions.Invocation;

/// <summary>
/// Collects what the pipeline logs during one invocation (categories under <c>Distill.</c>, Information and above), so
/// that the response's <c>Logs</c> carry it into the host's invocation log: the lines appear with the function's
/// invocation, not only in the app's console output. <see cref="Begin"/> starts a collection for the current async flow.
/// </summary>
internal sealed class InvocationLogProvider : ILoggerProvider
{
    private readonly AsyncLocal<Collection?> _current = new();

    /// <summary>Collects the lines logged from here on in this async flow until the returned collection is disposed.</summary>
    public Collection Begin()
    {
        var collection = new Collection(this, _current.Value);
        _current.Value = collection;
        return collection;
    }

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Distill.", StringComparison.Ordinal) ? new CollectingLogger(this) : NullCollectingLogger.Instance;

    public void Dispose()
    {
    }

    /// <summary>The lines of one invocation.</summary>
    internal sealed class Collection(InvocationLogProvider owner, Collection? previous) : IDisposable
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }

        public void Dispose() => owner._current.Value = previous;
    }

    private sealed class CollectingLogger(InvocationLogProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && owner._current.Value is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || owner._current.Value is not { } collection)
            {
                return;
            }
            var message = formatter(state, exception);
            collection.Add(exception is null
                ? string.Create(CultureInfo.InvariantCulture, $"{logLevel}: {message}")
                : string.Create(CultureInfo.InvariantCulture, $"{logLevel}: {message} ({exception.GetType().Name}: {exception.Message})"));
        }
    }

    private sealed class NullCollectingLogger : ILogger
    {
        public static NullCollectingLogger Instance { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
