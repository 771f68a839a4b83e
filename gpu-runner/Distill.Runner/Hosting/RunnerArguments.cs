using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Distill.Pipeline.Configuration;

namespace Distill.Runner.Hosting;

/// <summary>The runner executable's settings, from its arguments or, for each one left out, the environment.</summary>
public sealed record RunnerArguments
{
    public const string Usage =
        "usage: Distill.Runner [--target local|azure|azurite] [--store PATH] [--azurite-port PORT] [--runner-id ID] [--folder PATH] [--once] [--idle-exit SECONDS]\n" +
        "  environment: DISTILL_TARGET, DISTILL_STORE, DISTILL_AZURITE_PORT, DISTILL_RUNNER_ID, DISTILL_RUNNER_FOLDER, DISTILL_RUNNER_IDLE_EXIT;\n" +
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

    /// <summary>Reads <paramref name="args"/>, falling back on <paramref name="environment"/> for what they leave out.</summary>
    public static bool TryParse(IReadOnlyList<string> args, Func<string, string?> environment, [NotNullWhen(true)] out RunnerArguments? arguments, out string error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        arguments = null;
        string? store = environment("DISTILL_STORE"), runnerId = environment("DISTILL_RUNNER_ID"), folder = environment("DISTILL_RUNNER_FOLDER");
        var idleText = environment("DISTILL_RUNNER_IDLE_EXIT");
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
            if (name is not ("--store" or "--runner-id" or "--folder" or "--idle-exit" or "--target" or "--azurite-port"))
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
                default:
                    idleText = value;
                    break;
            }
        }
        TimeSpan? idleExit = null;
        if (!string.IsNullOrWhiteSpace(idleText))
        {
            if (!double.TryParse(idleText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || seconds < 0)
            {
                error = $"--idle-exit '{idleText}' is not a number of seconds ≥ 0";
                return false;
            }
            idleExit = TimeSpan.FromSeconds(seconds);
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
        };
        error = "";
        return true;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
