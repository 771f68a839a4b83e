using Distill.Pipeline.Handlers;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Local;

/// <summary>
/// The pipeline's handlers on a <see cref="LocalStore"/>: one loop per entity the handlers read
/// (<see cref="PipelineHandlers.EntityPaths"/>: upload notifications, the evaluation subscription, the dead-letter
/// queues), each receiving one message at a time and settling it, until cancelled. Runners are separate processes
/// on the same store; several stacks on one store share the work as competing consumers.
/// </summary>
public sealed partial class LocalHandlerHost(LocalStore store, ILoggerFactory loggerFactory)
{
    /// <summary>How long one receive waits for a message before the loop checks for cancellation and waits again.</summary>
    public static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a loop pauses after the bus itself could not be read.</summary>
    public static readonly TimeSpan FaultPause = TimeSpan.FromSeconds(1);

    private readonly ILogger<LocalHandlerHost> _logger = loggerFactory.CreateLogger<LocalHandlerHost>();

    /// <summary>Runs the handler loops until <paramref name="cancellationToken"/> is cancelled, then returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var handlers = new PipelineHandlers(store.CreateContext(), loggerFactory);
        LogStarted(_logger, store.Root, string.Join(", ", PipelineHandlers.EntityPaths));
        await Task.WhenAll(PipelineHandlers.EntityPaths.Select(path => Task.Run(() => LoopAsync(handlers, path, cancellationToken), CancellationToken.None))).ConfigureAwait(false);
        LogStopped(_logger, store.Root);
    }

    private async Task LoopAsync(PipelineHandlers handlers, string entityPath, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await handlers.ProcessNextAsync(entityPath, ReceiveWait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (TransientFaults.IsTransient(e))
            {
                LogReceiveFailed(_logger, e, entityPath, e.Message);
                try
                {
                    await Task.Delay(FaultPause, store.Time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handlers running on {Store}: {EntityPaths}")]
    private static partial void LogStarted(ILogger logger, string store, string entityPaths);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handlers on {Store} stopped")]
    private static partial void LogStopped(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not receive from {EntityPath}: {Fault}; trying again")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception, string entityPath, string fault);
}
