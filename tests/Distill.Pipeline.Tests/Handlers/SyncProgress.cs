namespace Distill.Pipeline.Tests.Handlers;

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, in order.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
