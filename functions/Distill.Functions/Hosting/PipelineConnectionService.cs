using Distill.Pipeline.Configuration;

namespace Distill.Functions.Hosting;

/// <summary>
/// Opens the pipeline's store and bus (<see cref="PipelineConnection"/>) from <see cref="DistillOptions"/> before the app
/// listens (in <see cref="StartingAsync"/>, ahead of the web server's start), so invalid options stop the app at start
/// with every problem listed; closes them when the app stops.
/// </summary>
internal sealed partial class PipelineConnectionService(DistillOptions options, TimeProvider time, ILogger<PipelineConnectionService> logger)
    : IHostedLifecycleService, IAsyncDisposable
{
    private PipelineConnection? _connection;

    /// <summary>The open connection.</summary>
    /// <exception cref="InvalidOperationException">The app has not started.</exception>
    public PipelineConnection Connection =>
        _connection ?? throw new InvalidOperationException("the pipeline's store and bus are opened when the app starts; it has not started");

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        _connection = await PipelineConnection.OpenAsync(options, time, cancellationToken).ConfigureAwait(false);
        LogOpened(logger, _connection.Description);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline opened: {Where}")]
    private static partial void LogOpened(ILogger logger, string where);
}
