using System.Runtime.InteropServices;

namespace Distill.Runner.Hosting;

/// <summary>
/// Turns SIGTERM (a container being stopped) and, when asked, SIGINT (Ctrl+C) into a cancellation: the first signal
/// cancels <see cref="Token"/> so the worker checkpoints and hands its stage back; a second one ends the process as usual.
/// </summary>
public sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly List<PosixSignalRegistration> _registrations = [];

    /// <param name="interrupt">Handle SIGINT too (the CLI handles Ctrl+C itself).</param>
    /// <param name="linked">Also cancels when this token does.</param>
    public ShutdownSignals(bool interrupt = true, CancellationToken linked = default)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
        if (interrupt)
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle));
        }
    }

    /// <summary>Cancelled on the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The signal that cancelled <see cref="Token"/>; null before one arrived.</summary>
    public PosixSignal? Received { get; private set; }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _cancellation.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        if (_cancellation.IsCancellationRequested)
        {
            // A second signal: let it end the process.
            return;
        }
        context.Cancel = true;
        Received = context.Signal;
        _cancellation.Cancel();
    }
}
