namespace Distill.Bench.Pipeline;

/// <summary>Where the pipeline suite ran: the CPU, the load other processes put on it, the store's disk, the runtimes.</summary>
public sealed record PipelineMachine
{
    public required string Cpu { get; init; }

    public required int Cores { get; init; }

    /// <summary>The 1-minute load average (/proc/loadavg) when the suite started and when it ended.</summary>
    public required double LoadAtStart { get; init; }

    public required double LoadAtEnd { get; init; }

    /// <summary>The folder the stores were made in (a temporary folder) and its file system.</summary>
    public required string StoreFolder { get; init; }

    public required string FileSystem { get; init; }

    public required string SqliteVersion { get; init; }

    public required string LibtorchVersion { get; init; }

    public required int Threads { get; init; }

    public required string Dotnet { get; init; }

    /// <summary>The 1-minute load average, or NaN where /proc/loadavg is missing.</summary>
    public static double LoadAverage()
    {
        const string Path = "/proc/loadavg";
        if (!File.Exists(Path))
        {
            return double.NaN;
        }
        var first = File.ReadAllText(Path).Split(' ', 2)[0];
        return double.TryParse(first, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : double.NaN;
    }

    /// <summary>The file system type of the mount holding <paramref name="folder"/> (/proc/self/mounts), "" when unknown.</summary>
    public static string FileSystemOf(string folder)
    {
        const string Mounts = "/proc/self/mounts";
        if (!File.Exists(Mounts))
        {
            return "";
        }
        var full = System.IO.Path.GetFullPath(folder);
        var best = ("", "");
        foreach (var line in File.ReadLines(Mounts))
        {
            var parts = line.Split(' ');
            if (parts.Length < 3)
            {
                continue;
            }
            var mount = parts[1];
            var inside = full == mount || full.StartsWith(mount.EndsWith('/') ? mount : mount + "/", StringComparison.Ordinal);
            if (inside && mount.Length >= best.Item1.Length)
            {
                best = (mount, $"{parts[2]} ({parts[0]} on {mount})");
            }
        }
        return best.Item2;
    }
}
