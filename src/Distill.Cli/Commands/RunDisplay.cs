using System.Globalization;
using Distill.Contracts.Runs;
using Distill.Pipeline.Local;

namespace Distill.Cli.Commands;

/// <summary>What `distill status` and `distill watch` share: opening an existing store, finding runs, naming states.</summary>
internal static class RunDisplay
{
    /// <summary>Opens the store when it exists; otherwise writes why not and returns null.</summary>
    public static async Task<LocalStore?> OpenExistingAsync(string storePath, string verb, TextWriter error, CancellationToken cancellationToken)
    {
        if (!LocalStore.Exists(storePath))
        {
            await error.WriteLineAsync($"{verb}: there is no store at {storePath}; submit a run with 'distill submit DIR' (or name the store with --store)").ConfigureAwait(false);
            return null;
        }
        return await LocalStore.OpenAsync(storePath, TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every run's state, newest first.</summary>
    public static async Task<List<RunState>> ListAsync(LocalStore store, CancellationToken cancellationToken)
    {
        var runs = new List<RunState>();
        await foreach (var state in store.CreateContext().Runs.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(state);
        }
        return [.. runs.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.RunId, StringComparer.Ordinal)];
    }

    /// <summary>The stage a run is at: the failed one, else the first that is not completed; null when none applies.</summary>
    public static string? CurrentStage(RunState state) => state.Status switch
    {
        RunStatus.Failed => state.Failure?.Stage,
        RunStatus.Completed => null,
        _ => state.Stages.FirstOrDefault(s => s.Status != StageStatus.Completed)?.Name,
    };

    public static string Wire(RunStatus status) => status switch
    {
        RunStatus.Accepted => "accepted",
        RunStatus.Running => "running",
        RunStatus.Completed => "completed",
        _ => "failed",
    };

    public static string Wire(StageStatus status) => status switch
    {
        StageStatus.Pending => "pending",
        StageStatus.Queued => "queued",
        StageStatus.Running => "running",
        StageStatus.Completed => "completed",
        _ => "failed",
    };

    /// <summary>How long ago: "12s", "5m", "3h", "2d".</summary>
    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 60 } => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)age.TotalSeconds)}s"),
        { TotalMinutes: < 60 } => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes}m"),
        { TotalHours: < 48 } => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d"),
    };

    /// <summary>A time as the local "yyyy-MM-dd HH:mm:ss".</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "";

    /// <summary>A number: whole ones with separators, others to 4 significant digits.</summary>
    public static string Number(double value) =>
        double.IsFinite(value) && Math.Abs(value) < 1e15 && value == Math.Floor(value)
            ? value.ToString("N0", CultureInfo.InvariantCulture)
            : value.ToString("G4", CultureInfo.InvariantCulture);
}
