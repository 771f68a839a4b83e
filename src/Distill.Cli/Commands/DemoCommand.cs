using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text;
using Distill.Contracts.Models;
using Distill.Torch.Optim;
using Distill.Torch;
using Distill.Training.Models;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill demo`: trains a tiny GPT-2 on the CPU for a few hundred steps on English text that every Debian machine
/// has (its license texts), byte by byte, and shows the loss falling, the speed and a sample.
/// </summary>
internal static class DemoCommand
{
    private const string CorpusFolder = "/usr/share/common-licenses";

    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Training steps.", DefaultValueFactory = _ => 300 };
        var seed = new Option<int>("--seed") { Description = "Seed for weights and batches.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON instead of a table." };
        var command = new Command("demo", "Train a tiny transformer on the CPU and show the loss falling.") { steps, seed, json };
        command.SetAction((parse, cancellationToken) =>
            Task.FromResult(Run(parse.GetValue(steps), parse.GetValue(seed), parse.GetValue(json), cancellationToken)));
        return command;
    }

    private static int Run(int steps, int seed, bool json, CancellationToken cancellationToken)
    {
        if (steps < 1)
        {
            Console.Error.WriteLine("distill demo: --steps must be at least 1");
            return DistillCommandLine.BadUsage;
        }
        var corpus = LoadCorpus();
        if (corpus.Length < 10_000)
        {
            Console.Error.WriteLine($"distill demo: {CorpusFolder} holds only {corpus.Length} bytes of text; the demo needs at least 10 kB");
            return DistillCommandLine.Failure;
        }
        var split = corpus.Length * 9 / 10;
        var train = corpus.AsMemory(0, split);
        var validation = corpus.AsMemory(split);

        const int Context = 64, Batch = 16;
        var config = new ModelConfig
        {
            ModelType = "gpt2",
            VocabSize = 256,
            HiddenSize = 128,
            NumLayers = 2,
            NumHeads = 4,
            NumKeyValueHeads = 4,
            HeadDim = 32,
            IntermediateSize = 512,
            MaxPositions = Context,
            NormEps = 1e-5,
            Activation = "gelu_new",
            TieWordEmbeddings = true,
            QkvBias = true,
            AttentionOutputBias = true,
            MlpBias = true,
        };
        using var model = CausalLanguageModel.CreateInitialized(config, (ulong)seed);
        using var optimizer = AdamW.ForModule(model, learningRate: 2e-3, weightDecay: 0.1, beta2: 0.95);
        var schedule = new CosineSchedule(2e-3, 2e-4, WarmupSteps: Math.Min(30, steps / 10), DecaySteps: steps);
        var random = new Random(seed);

        if (!json)
        {
            AnsiConsole.MarkupLine($"[bold]Distill engine demo[/]: a {model.ParameterCount():N0}-parameter GPT-2 learns English byte by byte from {corpus.Length / 1024:N0} kB of license texts.");
            AnsiConsole.MarkupLine($"libtorch {TorchRuntime.Version}, {TorchRuntime.Threads} threads, {steps} steps of {Batch}×{Context} tokens.");
        }

        var history = new List<(int Step, double Train, double Validation, double TokensPerSecond)>();
        var clock = Stopwatch.StartNew();
        var windowStart = clock.Elapsed;
        var windowLoss = 0.0;
        var windowSteps = 0;
        for (var step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            optimizer.LearningRate = schedule.At(step);
            using (TensorScope.Begin())
            {
                var (input, target) = Sample(train.Span, Batch, Context, random);
                var logits = model.Forward(input).Logits!;
                var loss = Functional.CrossEntropy(logits.View(-1, config.VocabSize), target.View(-1));
                loss.Backward();
                Functional.ClipGradNorm([.. optimizer.Parameters], 1.0);
                optimizer.Step();
                optimizer.ZeroGrad();
                windowLoss += loss.ToDouble();
                windowSteps++;
            }
            if ((step + 1) % 25 == 0 || step + 1 == steps)
            {
                var elapsed = (clock.Elapsed - windowStart).TotalSeconds;
                var tokensPerSecond = windowSteps * Batch * Context / Math.Max(elapsed, 1e-9);
                var validationLoss = Evaluate(model, validation.Span, Batch, Context, config.VocabSize);
                history.Add((step + 1, windowLoss / windowSteps, validationLoss, tokensPerSecond));
                if (!json)
                {
                    AnsiConsole.MarkupLine($"step {step + 1,5}  train loss {windowLoss / windowSteps,6:F3}  validation loss {validationLoss,6:F3}  {tokensPerSecond,8:N0} tokens/s");
                }
                windowLoss = 0;
                windowSteps = 0;
                windowStart = clock.Elapsed;
            }
        }

        const string Prompt = "This program is free software";
        var sample = Generate(model, Prompt, 120, Context, (ulong)seed);
        var first = history[0];
        var last = history[^1];
        var meanSpeed = (double)steps * Batch * Context / clock.Elapsed.TotalSeconds;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                parameters = model.ParameterCount(),
                steps,
                firstValidationLoss = first.Validation,
                finalValidationLoss = last.Validation,
                tokensPerSecond = meanSpeed,
                seconds = clock.Elapsed.TotalSeconds,
                sample,
            }));
        }
        else
        {
            var table = new Table().AddColumns("", "value");
            table.AddRow("parameters", $"{model.ParameterCount():N0}");
            table.AddRow("validation loss (nats/byte)", $"{first.Validation:F3} at step {first.Step} → {last.Validation:F3} at step {last.Step}");
            table.AddRow("training speed", $"{meanSpeed:N0} tokens/s over {clock.Elapsed.TotalSeconds:F1} s");
            table.AddRow("sample (top-10)", Markup.Escape(sample.ReplaceLineEndings(" ")));
            AnsiConsole.Write(table);
        }
        return last.Validation < first.Validation ? DistillCommandLine.Ok : DistillCommandLine.Failure;
    }

    private static byte[] LoadCorpus()
    {
        if (!Directory.Exists(CorpusFolder))
        {
            return [];
        }
        using var buffer = new MemoryStream();
        foreach (var file in Directory.GetFiles(CorpusFolder).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            if (info.Length is > 0 and < 1_000_000 && (info.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                var bytes = File.ReadAllBytes(file);
                buffer.Write(bytes);
                buffer.WriteByte((byte)'\n');
            }
        }
        return buffer.ToArray();
    }

    private static (Tensor Input, Tensor Target) Sample(ReadOnlySpan<byte> data, int batch, int context, Random random)
    {
        var input = new long[batch * context];
        var target = new long[batch * context];
        for (var b = 0; b < batch; b++)
        {
            var start = random.Next(data.Length - context - 1);
            for (var t = 0; t < context; t++)
            {
                input[b * context + t] = data[start + t];
                target[b * context + t] = data[start + t + 1];
            }
        }
        return (Tensor.FromArray(input, batch, context), Tensor.FromArray(target, batch, context));
    }

    private static double Evaluate(CausalLanguageModel model, ReadOnlySpan<byte> data, int batch, int context, int vocab)
    {
        model.Eval();
        using var noGrad = TorchRuntime.NoGrad();
        using var scope = TensorScope.Begin();
        var random = new Random(12345);
        var total = 0.0;
        const int Batches = 4;
        for (var i = 0; i < Batches; i++)
        {
            var (input, target) = Sample(data, batch, context, random);
            total += Functional.CrossEntropy(model.Forward(input).Logits!.View(-1, vocab), target.View(-1)).ToDouble();
        }
        model.Train();
        return total / Batches;
    }

    private static string Generate(CausalLanguageModel model, string prompt, int length, int context, ulong seed)
    {
        model.Eval();
        using var noGrad = TorchRuntime.NoGrad();
        using var generator = new Generator(seed);
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(prompt));
        for (var i = 0; i < length; i++)
        {
            using var scope = TensorScope.Begin();
            var window = bytes.Skip(Math.Max(0, bytes.Count - context)).Select(b => (long)b).ToArray();
            var logits = model.Forward(Tensor.FromArray(window, 1, window.Length)).Logits!;
            var (top, indices) = logits.Select(1, window.Length - 1).TopK(10);
            var choice = (top / 0.8).Softmax(-1).Multinomial(1, generator: generator);
            var next = indices.Gather(-1, choice).ToInt64();
            if (next is < 32 and not 10)
            {
                next = 32;
            }
            bytes.Add((byte)next);
        }
        model.Train();
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
