using System.CommandLine;
using System.Diagnostics;
using Distill.Pipeline.Local;
using Microsoft.Extensions.Logging;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill up [--store PATH] [--runners N] [--json]`: the whole pipeline on this machine until Ctrl+C: the handlers
/// (<see cref="LocalHandlerHost"/>) in this process, and N runner processes (`distill worker --store PATH`), restarted
/// when one dies and stopped on Ctrl+C. Logs go to the output, one line each (JSON objects with `--json`).
/// </summary>
internal static class UpCommand
{
    private const string Name = "distill up";

    public static Command Create()
    {
        var store = CommandOptions.Store();
        var runners = new Option<int>("--runners") { Description = "Runner processes to start (0: only the handlers).", DefaultValueFactory = _ => 1 }.AtLeast(0);
        var json = new Option<bool>("--json") { Description = "Log one JSON object per line." };
        var command = new Command("up", "Run the pipeline locally: the handlers and N runners on a store folder, until Ctrl+C.") { store, runners, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            return RunAsync(LocalStore.ResolvePath(parse.GetValue(store)), parse.GetValue(runners), parse.GetValue(json), writers.Output, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string storePath, int runners, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        await using var store = await LocalStore.OpenAsync(storePath, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddProvider(new TextWriterLoggerProvider(output, json, store.Time)));
        var logger = loggerFactory.CreateLogger(Name);
        if (!json)
        {
            await output.WriteLineAsync($"{Name}: the pipeline on {store.Root} with {runners} runner(s); Ctrl+C stops it").ConfigureAwait(false);
        }
        var handlers = new LocalHandlerHost(store, loggerFactory).RunAsync(cancellationToken);
        var workers = new WorkerSupervisor(index => WorkerStartInfo(store.Root), runners, logger, store.Time).RunAsync(cancellationToken);
        await Task.WhenAll(handlers, workers).ConfigureAwait(false);
        return DistillCommandLine.Ok;
    }

    /// <summary>`dotnet {distill.dll} worker --store {store}`, with the dotnet host running this process when it is one.</summary>
    internal static ProcessStartInfo WorkerStartInfo(string store)
    {
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        info.ArgumentList.Add(typeof(DistillCommandLine).Assembly.Location);
        info.ArgumentList.Add("worker");
        info.ArgumentList.Add("--store");
        info.ArgumentList.Add(store);
        return info;
    }
}
