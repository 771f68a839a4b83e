using System.Globalization;
using System.Text;
using Distill.Bench.Measurement;

namespace Distill.Bench.Reporting;

/// <summary>Renders a report as Markdown: a machine line, one table with both columns and the ratio, then notes.</summary>
public static class MarkdownReport
{
    public static string Render(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var m = report.Machine;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"**{report.Suite}** — Distill.Torch vs {report.PeerName}, one run, {report.Seconds:F0} s");
        text.AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"Machine: {m.Cpu}, {m.Cores} cores; ");
        text.Append(m.Threads == m.PeerThreads
            ? string.Create(CultureInfo.InvariantCulture, $"{m.Threads} libtorch thread{(m.Threads == 1 ? "" : "s")} on both sides; ")
            : string.Create(CultureInfo.InvariantCulture, $"**different thread counts**: Distill {m.Threads}, peer {m.PeerThreads}; "));
        text.Append("fp32. ");
        text.Append(m.SameLibtorch
            ? $"libtorch {m.LibtorchVersion}, the same library in both processes ({m.Libtorch}); "
            : $"**different libtorch libraries**: Distill {m.Libtorch}, peer {m.PeerLibtorch}; ");
        text.Append(m.Blas == m.PeerBlas && m.BlasConfig == m.PeerBlasConfig
            ? $"BLAS {Describe(m.Blas, m.BlasConfig)}; "
            : $"BLAS Distill {Describe(m.Blas, m.BlasConfig)}, peer {Describe(m.PeerBlas, m.PeerBlasConfig)}; ");
        text.Append(CultureInfo.InvariantCulture, $"{m.Dotnet}; Python {m.Python} with torch {m.PeerTorchVersion}");
        if (m.Environment.Count > 0)
        {
            text.Append("; environment ").Append(string.Join(", ", m.Environment.Select(e => $"{e.Key}={e.Value}")));
        }
        text.AppendLine(".");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| {report.Suite} | Distill.Torch | {report.PeerName} | Distill / peer | goal |");
        text.AppendLine("|---|--:|--:|--:|---|");
        foreach (var row in report.Rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Name}, {row.Unit} | {Cell(row.Ours, row.OursDetails)} | {Cell(row.Peer, row.PeerDetails)} | {row.Ratio:F2} | {row.Goal} {(row.GoalMet ? "met" : "**missed**")} |");
        }
        text.AppendLine();
        text.AppendLine("Median of the timed runs after warm-up, (min–max) in brackets; the ratio is of the medians.");
        foreach (var note in report.Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }
        return text.ToString();
    }

    /// <summary>A value with few but enough digits: 1234, 123.4, 12.34.</summary>
    public static string Number(double value) => value switch
    {
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("F0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.ToString("F2", CultureInfo.InvariantCulture),
    };

    private static string Cell(Summary summary, IReadOnlyDictionary<string, double> details)
    {
        var cell = $"{Number(summary.Median)} ({Number(summary.Min)}–{Number(summary.Max)})";
        if (details.TryGetValue("tokensPerSecond", out var tokens))
        {
            cell += $"; {Number(tokens)} tokens/s";
        }
        if (details.TryGetValue("gflops", out var gflops) && details.TryGetValue("peakFraction", out var fraction))
        {
            cell += string.Create(CultureInfo.InvariantCulture, $"; {Number(gflops)} GFLOP/s, {fraction * 100:F0}% of peak");
        }
        return cell;
    }

    private static string Describe(string library, string config) =>
        library.Length == 0 ? "unknown" : config.Length > 0 ? $"{config} ({library})" : library;
}
