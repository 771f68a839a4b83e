using System.CommandLine;
using Distill.Bench.Peers;
using Distill.Bench.Reporting;
using Distill.Torch;

namespace Distill.Bench.Engine;

/// <summary>`distill-bench engine`: the engine suite against PyTorch eager, printed as a Markdown table or JSON.</summary>
internal static class EngineCommand
{
    /// <summary>Debian's interpreter, the one python3-torch is installed for.</summary>
    public const string DefaultPython = "/usr/bin/python3";

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of Markdown." };
        var python = new Option<string>("--python")
        {
            Description = "The Python with PyTorch that runs the peer (Debian's python3-torch).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DISTILL_BENCH_PYTHON") is { Length: > 0 } p ? p : DefaultPython,
        };
        var cases = new Option<string[]>("--case")
        {
            Description = $"Run only these cases ({string.Join(", ", EnginePlan.CaseNames)}); repeat the option for several.",
            AllowMultipleArgumentsPerToken = true,
        };
        cases.AcceptOnlyFromAmong([.. EnginePlan.CaseNames]);
        var command = new Command("engine", "sgemm GFLOP/s, per-op overhead and a GPT-2 training step: Distill.Torch vs PyTorch on the same libtorch.")
        {
            json,
            python,
            cases,
        };
        command.SetAction((parse, cancellationToken) =>
            Task.FromResult(Run(parse.GetValue(json), parse.GetValue(python)!, parse.GetValue(cases) ?? [], cancellationToken)));
        return command;
    }

    private static int Run(bool json, string python, string[] cases, CancellationToken cancellationToken)
    {
        var plan = cases.Length == 0 ? new EnginePlan() : new EnginePlan { Cases = new HashSet<string>(cases, StringComparer.Ordinal) };
        BenchReport report;
        try
        {
            // The engine loads first: it sets OPENBLAS_CORETYPE (unless set), which the peer inherits, so both sides run
            // the same BLAS kernels.
            Console.Error.WriteLine($"engine: Distill.Torch on libtorch {TorchRuntime.Version}, libtorch threads: {TorchRuntime.Threads}; peer: {python} {EngineSuite.PeerScript}");
            using var peer = PeerProcess.Start(python, Path.Combine(AppContext.BaseDirectory, "peers", EngineSuite.PeerScript));
            report = EngineSuite.Run(peer, plan, Console.Error, cancellationToken);
        }
        catch (PeerException e)
        {
            Console.Error.WriteLine($"distill-bench engine: {e.Message}");
            return BenchCommandLine.Failure;
        }
        catch (TorchException e)
        {
            Console.Error.WriteLine($"distill-bench engine: the engine failed: {e.Message}");
            return BenchCommandLine.Failure;
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine($"distill-bench engine: {e.Message}");
            return BenchCommandLine.Failure;
        }
        Console.Out.Write(json ? BenchJsonContext.Write(report) + Environment.NewLine : MarkdownReport.Render(report));
        return BenchCommandLine.Ok;
    }
}
