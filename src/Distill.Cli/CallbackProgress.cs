namespace Distill.Cli;

/// <summary>An <see cref="IProgress{T}"/> that calls back synchronously on the reporting thread (no context posting, no reordering).</summary>
internal sealed class CallbackProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
