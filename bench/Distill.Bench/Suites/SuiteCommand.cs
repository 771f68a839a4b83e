using System.CommandLine;
using Distill.Bench.Peers;
using Distill.Bench.Reporting;
using Distill.Torch;

namespace Distill.Bench.Suites;

/// <summary>
/// A suite's verb: the options every suite takes (--json, --python, --case), the peer's start, and the errors that end
/// a run (the peer failing, the engine failing, the shim not loading) turned into a message and exit code 1.
/// </summary>
internal static class SuiteCommand
{
    /// <summary>Debian's interpreter, the one python3-torch is installed for.</summary>
    public const string DefaultPython = "/usr/bin/python3";

    /// <summary>Runs the suite against a started peer with the cases asked for (empty: all) and returns its report.</summary>
    public delegate BenchReport SuiteRun(PeerProcess peer, IReadOnlyList<string> cases, TextWriter progress, CancellationToken cancellationToken);

    public static Command Create(string name, string description, string peerScript, IReadOnlyList<string> caseNames, SuiteRun run)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of Markdown." };
        var python = new Option<string>("--python")
        {
            Description = "The Python with PyTorch that runs the peer (Debian's python3-torch).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DISTILL_BENCH_PYTHON") is { Length: > 0 } p ? p : DefaultPython,
        };
        var cases = new Option<string[]>("--case")
        {
            Description = $"Run only these cases ({string.Join(", ", caseNames)}); repeat the option for several.",
            AllowMultipleArgumentsPerToken = true,
        };
        cases.AcceptOnlyFromAmong([.. caseNames]);
        var command = new Command(name, description)
        {
            json,
            python,
            cases,
        };
        command.SetAction((parse, cancellationToken) =>
            Task.FromResult(Run(name, peerScript, run, parse.GetValue(json), parse.GetValue(python)!, parse.GetValue(cases) ?? [], cancellationToken)));
        return command;
    }

    private static int Run(string name, string peerScript, SuiteRun run, bool json, string python, string[] cases, CancellationToken cancellationToken)
    {
        BenchReport report;
        try
        {
            // The engine loads first: it sets OPENBLAS_CORETYPE (unless set), which the peer inherits, so both sides run
            // the same BLAS kernels.
            Console.Error.WriteLine($"{name}: Distill.Torch on libtorch {TorchRuntime.Version}, libtorch threads: {TorchRuntime.Threads}; peer: {python} {peerScript}");
            using var peer = PeerProcess.Start(python, Path.Combine(AppContext.BaseDirectory, "peers", peerScript));
            report = run(peer, cases, Console.Error, cancellationToken);
        }
        catch (PeerException e)
        {
            Console.Error.WriteLine($"distill-bench {name}: {e.Message}");
            return BenchCommandLine.Failure;
        }
        catch (TorchException e)
        {
            Console.Error.WriteLine($"distill-bench {name}: the engine failed: {e.Message}");
            return BenchCommandLine.Failure;
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine($"distill-bench {name}: {e.Message}");
            return BenchCommandLine.Failure;
        }
        Console.Out.Write(json ? BenchJsonContext.Write(report) + Environment.NewLine : MarkdownReport.Render(report));
        return BenchCommandLine.Ok;
    }
}
