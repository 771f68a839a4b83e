namespace Distill.Training.Tests.Trainers;

/// <summary>Reports on the caller's thread, at once (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
