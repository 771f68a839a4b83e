using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Distill.Bench.Engine;
using Distill.Bench.Measurement;
using Distill.Bench.Peers;
using Distill.Bench.Reporting;
using Distill.Torch;

namespace Distill.Bench.Suites;

/// <summary>What every suite does with its peer: the greeting, the machine facts, measuring a case on both sides.</summary>
public static class PeerSuite
{
    /// <summary>Sets the peer's libtorch threads to <paramref name="threads"/> and returns its versions and libraries.</summary>
    public static JsonObject Hello(PeerProcess peer, int threads)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return peer.Call(new JsonObject { ["op"] = "hello", ["threads"] = threads });
    }

    /// <summary>Where the run happened: this process's facts beside those the peer gave in its greeting.</summary>
    public static MachineFacts Machine(JsonObject hello, int threads)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var blas = MachineFacts.MappedLibrary("libblas.so", "libopenblas");
        return new MachineFacts
        {
            Cpu = MachineFacts.CpuModel(),
            Cores = Environment.ProcessorCount,
            Threads = threads,
            PeerThreads = (int)Number(hello, "threads"),
            LibtorchVersion = TorchRuntime.Version,
            PeerTorchVersion = Text(hello, "torch"),
            Libtorch = MachineFacts.MappedLibrary("libtorch_cpu.so"),
            PeerLibtorch = Text(hello, "libtorch"),
            Blas = blas,
            PeerBlas = Text(hello, "blas"),
            BlasConfig = MachineFacts.OpenBlasConfig(blas),
            PeerBlasConfig = Text(hello, "blas_config"),
            Dotnet = RuntimeInformation.FrameworkDescription,
            Python = Text(hello, "python"),
            Environment = MachineFacts.ThreadingEnvironment(),
        };
    }

    /// <summary>Sets the case up on both sides, times them alternately and collects what each computed.</summary>
    public static Measured Measure(LocalSide local, PeerProcess peer, JsonObject request, int warmup, int repeats, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(local);
        using (local)
        {
            using var remote = PeerSide.Open(peer, request);
            var (ours, theirs) = Interleaved.Measure(local, remote, warmup, repeats, cancellationToken);
            return new Measured(ours, theirs, local.Results(), remote.Results());
        }
    }

    /// <summary>
    /// sgemm n³ on both sides, as GFLOP/s per timed run: the same OpenBLAS kernel behind both, so the ratio is ≈ 1 and
    /// the best run is the machine's peak.
    /// </summary>
    public static (Summary Ours, Summary Theirs) Sgemm(PeerProcess peer, int n, int warmup, int repeats, CancellationToken cancellationToken)
    {
        var measured = Measure(DistillCases.Sgemm(n), peer, new JsonObject { ["case"] = "sgemm", ["n"] = n }, warmup, repeats, cancellationToken);
        var gigaflop = 2.0 * n * n * n / 1e9;
        return (Summary.Of(measured.Ours.Select(s => gigaflop / s)), Summary.Of(measured.Theirs.Select(s => gigaflop / s)));
    }

    /// <summary>The suite's report: its rows, its notes and the note every alternating suite ends with, the machine, its time.</summary>
    public static BenchReport Report(string suite, JsonObject hello, int threads, List<BenchRow> rows, List<string> notes, Stopwatch clock)
    {
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentNullException.ThrowIfNull(clock);
        notes.Add("The two sides run alternately, one timed run each in turn after both warmed up, so load from other processes falls on both columns alike.");
        var machine = Machine(hello, threads);
        return new BenchReport
        {
            Suite = suite,
            PeerName = "PyTorch " + machine.PeerTorchVersion + " eager",
            Machine = machine,
            Rows = rows,
            Notes = notes,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>A number a side reported when its case closed.</summary>
    public static double Result(IReadOnlyDictionary<string, double> results, string name)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.TryGetValue(name, out var value)
            ? value
            : throw new PeerException($"a side of the case reported no '{name}' (it reported: {string.Join(", ", results.Keys)})");
    }

    public static string Invariant(FormattableString text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToString(CultureInfo.InvariantCulture);
    }

    private static double Number(JsonObject reply, string name) =>
        reply[name] is JsonValue value && value.TryGetValue<double>(out var number)
            ? number
            : throw new PeerException($"the PyTorch peer's reply has no number '{name}': {reply.ToJsonString()}");

    private static string Text(JsonObject reply, string name) => reply[name]?.ToString() ?? "";
}
