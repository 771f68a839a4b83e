using System.CommandLine;
using System.Globalization;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Local;
using Microsoft.Extensions.Configuration;

namespace Distill.Cli;

/// <summary>
/// The options that choose where the pipeline verbs (submit, watch, status, up, worker) work: <c>--target local|azure|azurite</c>
/// (default <c>$DISTILL_TARGET</c>, else local), <c>--store</c> (the local store; with Azurite it holds the SQLite bus),
/// <c>--config FILE</c> (azure: a JSON file with a <c>Distill</c> section, no secrets) and <c>--azurite-port</c>.
/// </summary>
internal sealed class TargetOptions
{
    public Option<string?> Target { get; } = new Option<string?>("--target")
    {
        Description = $"Where the pipeline is: local (the store folder), azure (the Distill__* settings: Azure Blob Storage, Service Bus, Event Grid) or azurite (blobs in Azurite, the bus in the store folder); default: ${PipelineTargets.EnvironmentVariable}, else local.",
    }.Validate(value => value is null || PipelineTargets.TryParse(value, out _) ? null : $"--target '{value}' is not {string.Join(", ", PipelineTargets.Names)}");

    public Option<string?> Store { get; } = CommandOptions.Store();

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "With --target azure: a JSON file with a \"Distill\" section (Storage, Bus, Events, Identity); environment variables Distill__... override it. No connection strings in files.",
    };

    public Option<int?> AzuritePort { get; } = new Option<int?>("--azurite-port")
    {
        Description = $"With --target azurite: Azurite's blob port (default: ${PipelineTargets.AzuritePortVariable}, else {PipelineTargets.DefaultAzuritePort}).",
    }.Validate(value => value is null or (>= 1 and <= 65535) ? null : $"--azurite-port {value} is not a port (1 to 65535)");

    /// <summary>The options a command takes to choose its target.</summary>
    public IEnumerable<Option> All => [Target, Store, Config, AzuritePort];

    /// <summary>Adds <see cref="All"/> to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The target the command line (and environment) chooses, its options checked; null after writing every problem to
    /// <paramref name="error"/> (a usage error).
    /// </summary>
    public TargetChoice? Resolve(ParseResult parse, string verb, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var targetText = parse.GetValue(Target) ?? Environment.GetEnvironmentVariable(PipelineTargets.EnvironmentVariable);
        var target = PipelineTarget.Local;
        if (!string.IsNullOrWhiteSpace(targetText) && !PipelineTargets.TryParse(targetText, out target))
        {
            error.WriteLine($"{verb}: ${PipelineTargets.EnvironmentVariable} '{targetText}' is not {string.Join(", ", PipelineTargets.Names)}");
            return null;
        }
        var portText = parse.GetValue(AzuritePort)?.ToString(CultureInfo.InvariantCulture) ?? Environment.GetEnvironmentVariable(PipelineTargets.AzuritePortVariable);
        if (PipelineTargets.ParsePort(portText) is not { } port)
        {
            error.WriteLine($"{verb}: ${PipelineTargets.AzuritePortVariable} '{portText}' is not a port (1 to 65535)");
            return null;
        }
        var config = parse.GetValue(Config);
        if (config is not null && target != PipelineTarget.Azure)
        {
            error.WriteLine($"{verb}: --config applies only to --target azure");
            return null;
        }
        var store = LocalStore.ResolvePath(parse.GetValue(Store));

        IConfiguration configuration;
        try
        {
            configuration = target == PipelineTarget.Azure ? Configuration(config) : new ConfigurationBuilder().Build();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"{verb}: --config {config}: {e.Message}");
            return null;
        }
        var options = PipelineTargets.Options(target, store, configuration, port);
        var problems = new List<string>(options.Validate());
        if (config is not null)
        {
            problems.AddRange(SecretsIn(config));
        }
        if (problems.Count > 0)
        {
            error.WriteLine($"{verb}: the {PipelineTargets.Name(target)} target's configuration has {(problems.Count == 1 ? "1 problem" : $"{problems.Count} problems")}:");
            foreach (var problem in problems)
            {
                error.WriteLine($"  {problem}");
            }
            return null;
        }
        return new TargetChoice(target, store, options, config is null ? null : Path.GetFullPath(config), port);
    }

    /// <summary>The JSON file (when given), then the environment variables over it.</summary>
    private static IConfiguration Configuration(string? file)
    {
        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            var full = Path.GetFullPath(file);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"{full} does not exist", full);
            }
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        return builder.AddEnvironmentVariables().Build();
    }

    /// <summary>A problem for each connection string written in <paramref name="file"/>: secrets come from the environment only.</summary>
    private static IEnumerable<string> SecretsIn(string file)
    {
        var fromFile = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false).Build();
        foreach (var key in new[] { DistillConfigurationKeys.StorageConnectionString, DistillConfigurationKeys.BusConnectionString })
        {
            if (!string.IsNullOrEmpty(fromFile[key]))
            {
                yield return $"{key} is written in {Path.GetFullPath(file)}; keep secrets out of files: set {key.Replace(":", "__", StringComparison.Ordinal)} in the environment (or use Entra ID)";
            }
        }
    }
}
