using Distill.Pipeline.Configuration;
using Distill.Pipeline.Handlers;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Local;

/// <summary>
/// The pipeline's handlers in this process, on any <see cref="PipelineContext"/> (a <see cref="LocalStore"/>, blobs in
/// Azurite or Azure, a SQLite or Service Bus bus): one loop per entity the handlers read
/// (<see cref="PipelineHandlers.EntityPaths"/>: upload notifications, the evaluation subscription, the dead-letter
/// queues), each receiving one message at a time and settling it, until cancelled. Runners are separate processes
/// on the same store; several hosts on one store share the work as competing consumers.
/// </summary>
/// <param name="context">The store, bus and event sinks the handlers work with.</param>
/// <param name="where">Where that is, for the logs (never a secret).</param>
public sealed partial class LocalHandlerHost(PipelineContext context, string where, ILoggerFactory loggerFactory)
{
    /// <summary>The handlers on a local store folder.</summary>
    public LocalHandlerHost(LocalStore store, ILoggerFactory loggerFactory)
        : this(store.CreateContext(), store.Root, loggerFactory)
    {
    }

    /// <summary>The handlers on whatever <paramref name="connection"/> opened, with its external event sink.</summary>
    public LocalHandlerHost(PipelineConnection connection, ILoggerFactory loggerFactory)
        : this(connection.CreateContext(), connection.Description, loggerFactory)
    {
    }

    /// <summary>How long one receive waits for a message before the loop checks for cancellation and waits again.</summary>
    public static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a loop pauses after the bus itself could not be read.</summary>
    public static readonly TimeSpan FaultPause = TimeSpan.FromSeconds(1);

    private readonly ILogger<LocalHandlerHost> _logger = loggerFactory.CreateLogger<LocalHandlerHost>();

    /// <summary>Runs the handler loops until <paramref name="cancellationToken"/> is cancelled, then returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var handlers = new PipelineHandlers(context, loggerFactory);
        LogStarted(_logger, where, string.Join(", ", PipelineHandlers.EntityPaths));
        await Task.WhenAll(PipelineHandlers.EntityPaths.Select(path => Task.Run(() => LoopAsync(handlers, path, cancellationToken), CancellationToken.None))).ConfigureAwait(false);
        LogStopped(_logger, where);
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
                    await Task.Delay(FaultPause, context.Time, cancellationToken).ConfigureAwait(false);
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
