using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Distill.Pipeline.Configuration;

namespace Distill.Runner.Hosting;

/// <summary>The runner executable's settings, from its arguments or, for each one left out, the environment.</summary>
public sealed record RunnerArguments
{
    public const string Usage =
        "usage: Distill.Runner [--target local|azure|azurite] [--store PATH] [--azurite-port PORT] [--runner-id ID] [--folder PATH] [--once] [--idle-exit SECONDS] [--retry-delay SECONDS]\n" +
        "  environment: DISTILL_TARGET, DISTILL_STORE, DISTILL_AZURITE_PORT, DISTILL_RUNNER_ID, DISTILL_RUNNER_FOLDER, DISTILL_RUNNER_IDLE_EXIT, DISTILL_RUNNER_RETRY_DELAY;\n" +
        "  --target azure reads Distill__Storage__*, Distill__Bus__*, Distill__Events__* and Distill__Identity__ClientId";

    /// <summary>Where the pipeline is: the local store (the default), Azure (the <c>Distill__*</c> settings) or Azurite.</summary>
    public PipelineTarget Target { get; init; }

    /// <summary>Azurite's blob port (<see cref="PipelineTarget.Azurite"/>).</summary>
    public int AzuritePort { get; init; } = PipelineTargets.DefaultAzuritePort;

    /// <summary>The local store's folder (the bus with Azurite, the runners' folders always); null: <c>DISTILL_STORE</c> or <c>.distill</c>.</summary>
    public string? Store { get; init; }

    public string? RunnerId { get; init; }

    /// <summary>The runner's cache and work folder; null: <c>{store}/runners/{runnerId}</c>.</summary>
    public string? Folder { get; init; }

    /// <summary>Process one message, then exit.</summary>
    public bool Once { get; init; }

    /// <summary>Exit after this long without a message.</summary>
    public TimeSpan? IdleExit { get; init; }

    /// <summary>How long a stage message waits after an unexpected error before its redelivery; null: the worker's default.</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>Reads <paramref name="args"/>, falling back on <paramref name="environment"/> for what they leave out.</summary>
    public static bool TryParse(IReadOnlyList<string> args, Func<string, string?> environment, [NotNullWhen(true)] out RunnerArguments? arguments, out string error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        arguments = null;
        string? store = environment("DISTILL_STORE"), runnerId = environment("DISTILL_RUNNER_ID"), folder = environment("DISTILL_RUNNER_FOLDER");
        string? idleText = environment("DISTILL_RUNNER_IDLE_EXIT"), retryText = environment("DISTILL_RUNNER_RETRY_DELAY");
        string? targetText = environment(PipelineTargets.EnvironmentVariable), portText = environment(PipelineTargets.AzuritePortVariable);
        var once = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--once")
            {
                once = true;
                continue;
            }
            if (name is not ("--store" or "--runner-id" or "--folder" or "--idle-exit" or "--retry-delay" or "--target" or "--azurite-port"))
            {
                error = $"unknown argument '{name}'";
                return false;
            }
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"{name} needs a value";
                return false;
            }
            var value = args[++i];
            switch (name)
            {
                case "--store":
                    store = value;
                    break;
                case "--runner-id":
                    runnerId = value;
                    break;
                case "--folder":
                    folder = value;
                    break;
                case "--target":
                    targetText = value;
                    break;
                case "--azurite-port":
                    portText = value;
                    break;
                case "--idle-exit":
                    idleText = value;
                    break;
                default:
                    retryText = value;
                    break;
            }
        }
        if (!TryParseSeconds("--idle-exit", idleText, out var idleExit, out error) || !TryParseSeconds("--retry-delay", retryText, out var retryDelay, out error))
        {
            return false;
        }
        var target = PipelineTarget.Local;
        if (!string.IsNullOrWhiteSpace(targetText) && !PipelineTargets.TryParse(targetText, out target))
        {
            error = $"--target '{targetText}' is not {string.Join(", ", PipelineTargets.Names)}";
            return false;
        }
        if (PipelineTargets.ParsePort(portText) is not { } port)
        {
            error = $"--azurite-port '{portText}' is not a port (1 to 65535)";
            return false;
        }
        arguments = new RunnerArguments
        {
            Target = target,
            AzuritePort = port,
            Store = Blank(store),
            RunnerId = Blank(runnerId),
            Folder = Blank(folder),
            Once = once,
            IdleExit = idleExit,
            RetryDelay = retryDelay,
        };
        error = "";
        return true;
    }

    private static bool TryParseSeconds(string name, string? text, out TimeSpan? seconds, out string error)
    {
        seconds = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
        {
            error = $"{name} '{text}' is not a number of seconds ≥ 0";
            return false;
        }
        seconds = TimeSpan.FromSeconds(value);
        return true;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
