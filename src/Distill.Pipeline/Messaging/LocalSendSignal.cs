namespace Distill.Pipeline.Messaging;

/// <summary>
/// Wakes receivers in this process waiting on a database file when a send or abandon in this process makes a
/// message visible, so they need not wait for their next poll. Other processes are seen by polling.
/// </summary>
internal sealed class LocalSendSignal
{
    private static readonly Dictionary<string, LocalSendSignal> s_byPath = new(StringComparer.Ordinal);

    private readonly string _path;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _users;

    private LocalSendSignal(string path)
    {
        _path = path;
    }

    /// <summary>Completes at the next <see cref="Pulse"/>; read it before looking for a message, so none is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public static LocalSendSignal Acquire(string path)
    {
        lock (s_byPath)
        {
            if (!s_byPath.TryGetValue(path, out var signal))
            {
                signal = new LocalSendSignal(path);
                s_byPath.Add(path, signal);
            }
            signal._users++;
            return signal;
        }
    }

    public void Release()
    {
        lock (s_byPath)
        {
            if (--_users == 0)
            {
                s_byPath.Remove(_path);
            }
        }
    }

    public void Pulse()
    {
        var previous = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }
}
