using System.CommandLine;
using System.Text.Json;
using Distill.Contracts;
using Distill.Contracts.Runs;
using Distill.Pipeline.Configuration;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill status [RUN] [--target local|azure|azurite] [--store PATH] [--json]`: without RUN, a table of the store's runs (status, stage, age); with
/// RUN, the run's stages (status, attempt, times, runner, checkpoint, numbers), its failure reasons or its result.
/// `--json` prints the runs' summaries, or the run's state.json as one line.
/// </summary>
internal static class StatusCommand
{
    private const string Name = "distill status";

    public static Command Create()
    {
        var run = new Argument<string?>("RUN") { Description = "A run id; without it, every run in the store.", Arity = ArgumentArity.ZeroOrOne };
        var target = new TargetOptions();
        var json = CommandOptions.Json();
        var command = new Command("status", "Show the runs in the store, or one run's stages and outcome.") { run, json };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (target.Resolve(parse, Name, writers.Error) is not { } choice)
            {
                return DistillCommandLine.BadUsage;
            }
            return await RunAsync(parse.GetValue(run), choice, parse.GetValue(json), writers.Output, writers.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string? runId, TargetChoice target, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var store = await RunDisplay.OpenExistingAsync(target, Name, error, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            return DistillCommandLine.Failure;
        }
        var where = RunDisplay.Where(target, store);
        if (runId is null)
        {
            var runs = await RunDisplay.ListAsync(store, cancellationToken).ConfigureAwait(false);
            WriteList(runs, json, store.Time.GetUtcNow(), output);
            return DistillCommandLine.Ok;
        }
        var state = (await store.CreateContext().Runs.ReadAsync(runId, cancellationToken).ConfigureAwait(false))?.State;
        if (state is null)
        {
            await error.WriteLineAsync($"{Name}: there is no run '{runId}' in {where} (accepted runs only; a run just submitted appears once 'distill up' has read its upload)").ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(state, ContractsJsonContext.Default.RunState)).ConfigureAwait(false);
        }
        else
        {
            WriteRun(state, store.Time.GetUtcNow(), CliConsole.Create(output));
        }
        return DistillCommandLine.Ok;
    }

    private static void WriteList(List<RunState> runs, bool json, DateTimeOffset now, TextWriter output)
    {
        if (json)
        {
            var list = new RunList([.. runs.Select(r => new RunSummary(r.RunId, r.Name, RunDisplay.Wire(r.Status), RunDisplay.CurrentStage(r), r.CreatedAt, r.UpdatedAt))]);
            output.WriteLine(JsonSerializer.Serialize(list, CliJsonContext.Default.RunList));
            return;
        }
        var console = CliConsole.Create(output);
        if (runs.Count == 0)
        {
            console.WriteLine("No runs yet; submit one with 'distill submit DIR'.");
            return;
        }
        var table = new Table().AddColumns("run", "name", "status", "stage", "age", "updated");
        foreach (var run in runs)
        {
            table.AddRow(
                Markup.Escape(run.RunId), Markup.Escape(run.Name), Styled(run.Status), Markup.Escape(RunDisplay.CurrentStage(run) ?? ""),
                RunDisplay.Age(now - run.CreatedAt), RunDisplay.Age(now - run.UpdatedAt) + " ago");
        }
        console.Write(table);
    }

    private static void WriteRun(RunState state, DateTimeOffset now, IAnsiConsole console)
    {
        console.MarkupLine($"run [bold]{Markup.Escape(state.RunId)}[/] ({Markup.Escape(state.Name)}): {Styled(state.Status)}, created {RunDisplay.Age(now - state.CreatedAt)} ago, updated {RunDisplay.Age(now - state.UpdatedAt)} ago");
        console.WriteLine($"upload {state.Upload}, manifest SHA-256 {state.ManifestSha256}");
        if (state.Stages.Count > 0)
        {
            var table = new Table().AddColumns("stage", "status", "attempt", "queued", "started", "finished", "runner", "checkpoint", "numbers");
            foreach (var stage in state.Stages)
            {
                table.AddRow(
                    Markup.Escape(stage.Name),
                    Markup.Escape(RunDisplay.Wire(stage.Status)),
                    stage.Attempt == 0 ? "" : stage.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    RunDisplay.Time(stage.QueuedAt),
                    RunDisplay.Time(stage.StartedAt),
                    RunDisplay.Time(stage.CompletedAt),
                    Markup.Escape(stage.Runner ?? ""),
                    stage.LastCheckpointStep is { } step ? $"step {step}" : "",
                    Markup.Escape(string.Join(", ", stage.Metrics.Select(m => $"{m.Key} {RunDisplay.Number(m.Value)}"))));
            }
            console.Write(table);
        }
        if (state.Failure is { } failure)
        {
            console.WriteLine(failure.Stage is null ? "failed:" : $"failed at stage {failure.Stage}:");
            foreach (var reason in failure.Reasons)
            {
                console.WriteLine($"  {reason}");
            }
        }
        if (state.Result is { } result)
        {
            var c = result.Comparison;
            console.WriteLine($"student: {result.Student}");
            console.WriteLine($"report:  {result.Report}");
            console.WriteLine($"perplexity {RunDisplay.Number(c.TeacherPerplexity)} (teacher) → {RunDisplay.Number(c.StudentPerplexity)} (student), ratio {RunDisplay.Number(c.PerplexityRatio)}; " +
                $"size ratio {RunDisplay.Number(c.SizeRatio)}; speedup {RunDisplay.Number(c.Speedup)}; top-1 agreement {RunDisplay.Number(c.TopOneAgreement)}");
        }
    }

    private static string Styled(RunStatus status) => status switch
    {
        RunStatus.Completed => "[green]completed[/]",
        RunStatus.Failed => "[red]failed[/]",
        _ => RunDisplay.Wire(status),
    };
}
