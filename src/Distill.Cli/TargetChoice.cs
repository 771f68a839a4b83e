using Distill.Pipeline.Configuration;
using Distill.Pipeline.Local;

namespace Distill.Cli;

/// <summary>The target a pipeline verb works on: which one, the local store folder, the options, and how to name it again.</summary>
/// <param name="Store">The local store folder (the store on local, the bus's folder on azurite, the runners' folders always).</param>
/// <param name="Config">The --config file given with the azure target, as a full path.</param>
internal sealed record TargetChoice(PipelineTarget Target, string Store, DistillOptions Options, string? Config, int AzuritePort)
{
    /// <summary>The local store choice for <paramref name="store"/>.</summary>
    public static TargetChoice Local(string store) => new(PipelineTarget.Local, store, DistillOptions.ForLocalStore(store), null, PipelineTargets.DefaultAzuritePort);

    /// <summary>The arguments that choose this target again in another verb (none for the default local store).</summary>
    public IReadOnlyList<string> Arguments
    {
        get
        {
            var arguments = new List<string>();
            if (Target != PipelineTarget.Local)
            {
                arguments.AddRange(["--target", PipelineTargets.Name(Target)]);
            }
            if (Target != PipelineTarget.Azure && Store != LocalStore.ResolvePath())
            {
                arguments.AddRange(["--store", Store]);
            }
            if (Config is not null)
            {
                arguments.AddRange(["--config", Config]);
            }
            if (Target == PipelineTarget.Azurite && AzuritePort != PipelineTargets.DefaultAzuritePort)
            {
                arguments.AddRange(["--azurite-port", AzuritePort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
            return arguments;
        }
    }

    /// <summary><see cref="Arguments"/> as text to append to a command shown to the user (" --target azurite --store PATH").</summary>
    public string ArgumentText => string.Concat(Arguments.Select(a => " " + (a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a)));
}
