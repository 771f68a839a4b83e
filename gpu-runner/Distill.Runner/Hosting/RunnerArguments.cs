using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Distill.Runner.Hosting;

/// <summary>The runner executable's settings, from its arguments or, for each one left out, the environment.</summary>
public sealed record RunnerArguments
{
    public const string Usage =
        "usage: Distill.Runner [--store PATH] [--runner-id ID] [--folder PATH] [--once] [--idle-exit SECONDS]\n" +
        "  environment: DISTILL_STORE, DISTILL_RUNNER_ID, DISTILL_RUNNER_FOLDER, DISTILL_RUNNER_IDLE_EXIT";

    /// <summary>The local store's folder; null: <c>DISTILL_STORE</c> or <c>.distill</c>.</summary>
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
        var once = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--once")
            {
                once = true;
                continue;
            }
            if (name is not ("--store" or "--runner-id" or "--folder" or "--idle-exit"))
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
        arguments = new RunnerArguments { Store = Blank(store), RunnerId = Blank(runnerId), Folder = Blank(folder), Once = once, IdleExit = idleExit };
        error = "";
        return true;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
