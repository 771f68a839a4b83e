using System.CommandLine;
using System.Diagnostics;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Local;
using Microsoft.Extensions.Logging;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill up [--target local|azure|azurite] [--store PATH] [--runners N] [--json]`: the pipeline's handlers
/// (<see cref="LocalHandlerHost"/>) in this process and N runner processes (`distill worker` on the same target),
/// restarted when one dies and stopped on Ctrl+C. On azure the handlers here compete with the deployed Functions app for
/// the same queues (harmless, both are idempotent); use it to run against Azure without deploying the app.
/// Logs go to the output, one line each (JSON objects with `--json`).
/// </summary>
internal static class UpCommand
{
    private const string Name = "distill up";

    public static Command Create()
    {
        var target = new TargetOptions();
        var runners = new Option<int>("--runners") { Description = "Runner processes to start (0: only the handlers).", DefaultValueFactory = _ => 1 }.AtLeast(0);
        var json = new Option<bool>("--json") { Description = "Log one JSON object per line." };
        var command = new Command("up", "Run the pipeline locally: the handlers and N runners on a store folder, until Ctrl+C.") { runners, json };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (target.Resolve(parse, Name, writers.Error) is not { } choice)
            {
                return DistillCommandLine.BadUsage;
            }
            return await RunAsync(choice, parse.GetValue(runners), parse.GetValue(json), writers.Output, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(TargetChoice target, int runners, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        await using var store = await PipelineConnection.OpenAsync(target.Options, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddProvider(new TextWriterLoggerProvider(output, json, store.Time)));
        var logger = loggerFactory.CreateLogger(Name);
        if (!json)
        {
            var where = target.Target == PipelineTarget.Local ? target.Store : $"{PipelineTargets.Name(target.Target)} ({store.Description})";
            await output.WriteLineAsync($"{Name}: the pipeline on {where} with {runners} runner(s); Ctrl+C stops it").ConfigureAwait(false);
        }
        var handlers = new LocalHandlerHost(store, loggerFactory).RunAsync(cancellationToken);
        var workers = new WorkerSupervisor(index => WorkerStartInfo(target), runners, logger, store.Time).RunAsync(cancellationToken);
        await Task.WhenAll(handlers, workers).ConfigureAwait(false);
        return DistillCommandLine.Ok;
    }

    /// <summary>`dotnet {distill.dll} worker --store {store}`, with the dotnet host running this process when it is one.</summary>
    internal static ProcessStartInfo WorkerStartInfo(string store) => WorkerStartInfo(TargetChoice.Local(store));

    /// <summary>
    /// `dotnet {distill.dll} worker` on <paramref name="target"/> (its --target, --store, --config and --azurite-port;
    /// the Distill__* environment is inherited), with the dotnet host running this process when it is one.
    /// </summary>
    internal static ProcessStartInfo WorkerStartInfo(TargetChoice target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        info.ArgumentList.Add(typeof(DistillCommandLine).Assembly.Location);
        info.ArgumentList.Add("worker");
        var arguments = target.Arguments;
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // The runners' folders are in the store on every target: name it even when it is the default.
        if (!arguments.Contains("--store"))
        {
            info.ArgumentList.Add("--store");
            info.ArgumentList.Add(target.Store);
        }
        return info;
    }
}
