using System.CommandLine;
using Distill.Bench.Reporting;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Uploads;
using Distill.Torch;
using Microsoft.Data.Sqlite;

namespace Distill.Bench.Pipeline;

/// <summary>
/// `distill-bench pipeline`: the embedded pipeline's costs against the raw operations beneath it, printed as a Markdown
/// table or JSON. It has no Python peer: its peers are raw SQLite and file copies in this process.
/// </summary>
internal static class PipelineCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of Markdown." };
        var cases = new Option<string[]>("--case")
        {
            Description = $"Run only these cases ({string.Join(", ", PipelinePlan.CaseNames)}); repeat the option for several.",
            AllowMultipleArgumentsPerToken = true,
        };
        cases.AcceptOnlyFromAmong([.. PipelinePlan.CaseNames]);
        var command = new Command("pipeline",
            "Local bus throughput, event-to-stage-start latency, checkpoint writes and the pipeline's share of a demo-like run: the embedded stack vs raw SQLite and file copies.")
        {
            json,
            cases,
        };
        command.SetAction((parse, cancellationToken) =>
            Task.FromResult(Run(parse.GetValue(json), parse.GetValue(cases) ?? [], cancellationToken)));
        return command;
    }

    private static int Run(bool json, string[] cases, CancellationToken cancellationToken)
    {
        var plan = cases.Length == 0 ? new PipelinePlan() : new PipelinePlan { Cases = new HashSet<string>(cases, StringComparer.Ordinal) };
        PipelineReport report;
        try
        {
            Console.Error.WriteLine($"pipeline: Distill.Torch on libtorch {TorchRuntime.Version}, libtorch threads: {TorchRuntime.Threads}; peers: raw SQLite and file copies in this process");
            report = PipelineSuite.Run(plan, Console.Error, cancellationToken);
        }
        catch (Exception e) when (e is PipelineBenchException or TorchException or SqliteException or BlobStoreException or UploadFolderException or IOException or DllNotFoundException)
        {
            Console.Error.WriteLine($"distill-bench pipeline: {e.Message}");
            return BenchCommandLine.Failure;
        }
        Console.Out.Write(json ? BenchJsonContext.Write(report) + Environment.NewLine : PipelineMarkdown.Render(report));
        return BenchCommandLine.Ok;
    }
}
