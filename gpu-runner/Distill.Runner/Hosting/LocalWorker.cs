using Distill.Pipeline.Local;
using Microsoft.Extensions.Logging;

namespace Distill.Runner.Hosting;

/// <summary>A <see cref="StageWorker"/> on the <see cref="LocalStore"/>: what <c>distill worker</c> and the runner executable run.</summary>
public static class LocalWorker
{
    /// <summary>The worker's options: <paramref name="runnerId"/> or host and process id; its folder <c>{store}/runners/{runnerId}</c> unless given.</summary>
    /// <exception cref="ArgumentException">The runner id is empty or has characters a folder name cannot.</exception>
    public static StageWorkerOptions Options(string store, string? runnerId = null, string? folder = null)
    {
        var id = string.IsNullOrWhiteSpace(runnerId) ? StageWorkerOptions.DefaultRunnerId() : runnerId.Trim();
        if (id.IndexOfAny([.. Path.GetInvalidFileNameChars(), '/', '\\', ':']) >= 0 || id is "." or "..")
        {
            throw new ArgumentException($"runner id '{id}' cannot name a folder; use letters, digits, '-', '_' and '.'", nameof(runnerId));
        }
        return new StageWorkerOptions
        {
            RunnerId = id,
            Folder = Path.GetFullPath(folder ?? Path.Join(store, "runners", id)),
        };
    }

    /// <summary>
    /// Opens the store and runs a worker on it until <paramref name="cancellationToken"/> is cancelled (or as
    /// <paramref name="once"/> and <paramref name="idleExit"/> say). Unless <paramref name="keepFolder"/>, the runner's
    /// folder is deleted when it stops: a runner named after its process id never comes back to its cache.
    /// </summary>
    public static async Task<int> RunAsync(string store, StageWorkerOptions options, bool once, TimeSpan? idleExit, bool keepFolder, ILoggerFactory loggers,
        Action<WorkerActivity>? activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var time = TimeProvider.System;
        try
        {
            await using var local = await LocalStore.OpenAsync(store, time, cancellationToken).ConfigureAwait(false);
            var worker = new StageWorker(local.Bus, local.Blobs, options, time, loggers.CreateLogger<StageWorker>(), activity);
            return await worker.RunAsync(once, idleExit, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!keepFolder)
            {
                DeleteFolder(options.Folder);
            }
        }
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a cache and leftovers: whoever cleans the store's runners folder removes it.
        }
    }
}
