using System.CommandLine;
using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Evaluation;
using Distill.Training.Models;
using Distill.Training.Tokenizers;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill generate --model DIR --prompt TEXT [--max-new-tokens] [--temperature] [--top-k] [--top-p] [--seed] [--json]`:
/// prints the model's continuation of a prompt (<see cref="TextGenerator"/>). A temperature of 0 is greedy; otherwise
/// the same seed gives the same text.
/// </summary>
internal static class GenerateCommand
{
    private const string Name = "distill generate";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model folder (config.json, model.safetensors, tokenizer.json).", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "The text to continue (empty: start from the beginning-of-text token).", Required = true };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most (fewer when the model ends the text).", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature; 0 is greedy decoding.", DefaultValueFactory = _ => 0.8 }
            .Validate(v => double.IsFinite(v) && v >= 0 ? null : $"--temperature must be 0 (greedy) or positive (got {v})");
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0: no limit).", DefaultValueFactory = _ => 40 }.AtLeast(0);
        var topP = new Option<double>("--top-p") { Description = "Sample among the most likely tokens whose probabilities reach p (1: no limit).", DefaultValueFactory = _ => 1.0 }
            .Validate(v => v > 0 && v <= 1 ? null : $"--top-p must be in (0, 1] (got {v})");
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the sampling (default: a random one, printed with --json)." };
        var device = CommandOptions.DeviceOption();
        var json = CommandOptions.Json();

        var command = new Command("generate", "Continue a prompt with a model.") { model, prompt, maxNewTokens, temperature, topK, topP, seed, device, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (CommandOptions.ResolveDevice(parse.GetRequiredValue(device), Name, writers.Error) is not { } resolved)
            {
                return Task.FromResult(DistillCommandLine.Failure);
            }
            var sampling = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxNewTokens),
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed) ?? (ulong)Random.Shared.NextInt64(long.MaxValue),
            };
            var request = new Request(parse.GetRequiredValue(model), parse.GetRequiredValue(prompt), sampling, resolved, parse.GetValue(json));
            return Task.FromResult(Run(request, writers.Output, writers.Error, cancellationToken));
        });
        return command;
    }

    private static int Run(Request request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        TextSample sample;
        try
        {
            using var model = PretrainedModel.Load(request.Model, request.Device);
            sample = new TextGenerator(model.Model).GenerateText(model.Tokenizer, request.Prompt, request.Sampling, cancellationToken);
        }
        catch (Exception e) when (e is ModelCheckpointException or ModelConfigException or TokenizerFormatException or SafeTensorsFormatException
            or IOException or UnauthorizedAccessException or ArgumentException)
        {
            error.WriteLine($"{Name}: {e.Message}");
            return DistillCommandLine.Failure;
        }
        if (request.Json)
        {
            var sampling = request.Sampling;
            var result = new GenerateResult(
                request.Model, sample.Prompt, sample.Continuation, sample.NewTokens, sample.StoppedAtEos, sample.Strategy,
                sampling.MaxNewTokens, sampling.Temperature, sampling.TopK, sampling.TopP, sampling.Seed);
            output.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Relaxed.GenerateResult));
        }
        else
        {
            output.WriteLine(sample.Continuation);
        }
        return DistillCommandLine.Ok;
    }

    private sealed record Request(string Model, string Prompt, SamplingOptions Sampling, Device Device, bool Json);
}
