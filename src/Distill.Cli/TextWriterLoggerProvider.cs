using System.Globalization;
using System.Text.Json;
using Distill.Pipeline.Handlers;
using Microsoft.Extensions.Logging;

namespace Distill.Cli;

/// <summary>
/// Writes log entries to a verb's output, one line each: <c>12:00:01 info  [run42 distill] message</c> with the run and
/// stage of the scope, or, with <c>--json</c>, one JSON object per line (time, level, category, runId, stage, message,
/// exception).
/// </summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer, bool json, TimeProvider time, LogLevel minimum = LogLevel.Information)
    : ILoggerProvider, ISupportExternalScope
{
    private readonly Lock _lock = new();
    private readonly LogLevel _minimum = minimum;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        string? runId = null;
        string? stage = null;
        _scopes.ForEachScope((scope, _) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> properties)
            {
                foreach (var (key, value) in properties)
                {
                    if (key == PipelineLogging.RunIdProperty)
                    {
                        runId = value?.ToString();
                    }
                    else if (key == PipelineLogging.StageProperty)
                    {
                        stage = value?.ToString();
                    }
                }
            }
        }, (object?)null);
        var now = time.GetLocalNow();
        string line;
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var entry = new Utf8JsonWriter(buffer))
            {
                entry.WriteStartObject();
                entry.WriteString("time", time.GetUtcNow());
                entry.WriteString("level", level.ToString());
                entry.WriteString("category", category);
                if (runId is not null)
                {
                    entry.WriteString("runId", runId);
                }
                if (stage is not null)
                {
                    entry.WriteString("stage", stage);
                }
                entry.WriteString("message", message);
                if (exception is not null)
                {
                    entry.WriteString("exception", exception.ToString());
                }
                entry.WriteEndObject();
            }
            line = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        else
        {
            var context = runId is null ? "" : stage is null ? $"[{runId}] " : $"[{runId} {stage}] ";
            line = string.Create(CultureInfo.InvariantCulture, $"{now:HH:mm:ss} {Level(level),-5} {context}{message}");
            if (exception is not null && level >= LogLevel.Error)
            {
                line += Environment.NewLine + exception;
            }
        }
        lock (_lock)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        _ => "crit",
    };

    private sealed class Logger(TextWriterLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(category, logLevel, formatter(state, exception), exception);
            }
        }
    }
}
