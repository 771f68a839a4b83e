using System.Globalization;
using Distill.Pipeline.Azure.Blobs;
using Microsoft.Extensions.Configuration;

namespace Distill.Pipeline.Configuration;

/// <summary>Turns a <see cref="PipelineTarget"/> into the <see cref="DistillOptions"/> it means.</summary>
public static class PipelineTargets
{
    /// <summary>The environment variable naming the target when no <c>--target</c> is given.</summary>
    public const string EnvironmentVariable = "DISTILL_TARGET";

    /// <summary>The environment variable with Azurite's blob port when no <c>--azurite-port</c> is given.</summary>
    public const string AzuritePortVariable = "DISTILL_AZURITE_PORT";

    /// <summary>Azurite's default blob port.</summary>
    public const int DefaultAzuritePort = 10000;

    /// <summary>Azurite's development account.</summary>
    public const string AzuriteAccountName = AzureStorageConnectionString.DevelopmentAccountName;

    /// <summary>Azurite's development account key, published with Azurite (no secret: it opens only the emulator).</summary>
    public const string AzuriteAccountKey = AzureStorageConnectionString.DevelopmentAccountKey;

    /// <summary>The targets as written on the command line.</summary>
    public static IReadOnlyList<string> Names { get; } = ["local", "azure", "azurite"];

    /// <summary>Reads <c>local</c>, <c>azure</c> or <c>azurite</c> (any case).</summary>
    public static bool TryParse(string? text, out PipelineTarget target)
    {
        target = PipelineTarget.Local;
        if (string.IsNullOrWhiteSpace(text) || char.IsAsciiDigit(text.Trim()[0]))
        {
            return false;
        }
        return Enum.TryParse(text.Trim(), ignoreCase: true, out target) && Enum.IsDefined(target);
    }

    /// <summary>The target's name as written on the command line.</summary>
    public static string Name(PipelineTarget target) => target.ToString().ToLowerInvariant();

    /// <summary>
    /// The options of <paramref name="target"/>: the local store in <paramref name="storeRoot"/>; the <c>Distill</c> section of
    /// <paramref name="configuration"/>; or Azurite on <paramref name="azuritePort"/> with the bus in <paramref name="storeRoot"/>.
    /// </summary>
    public static DistillOptions Options(PipelineTarget target, string storeRoot, IConfiguration configuration, int azuritePort = DefaultAzuritePort)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return target switch
        {
            PipelineTarget.Local => DistillOptions.ForLocalStore(storeRoot),
            PipelineTarget.Azurite => ForAzurite(storeRoot, azuritePort),
            PipelineTarget.Azure => DistillOptions.FromConfiguration(configuration),
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, "not a pipeline target"),
        };
    }

    /// <summary>
    /// Blobs in Azurite at <c>http://127.0.0.1:{port}/devstoreaccount1</c> (Shared Key with the development account's
    /// published key, which is no secret) and the SQLite bus in <c>{storeRoot}/bus.db</c>: Azurite has no Service Bus.
    /// </summary>
    public static DistillOptions ForAzurite(string storeRoot, int port = DefaultAzuritePort)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeRoot);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var local = DistillOptions.ForLocalStore(storeRoot);
        return new DistillOptions
        {
            Storage = new StorageOptions { Kind = StorageKind.Azure, ConnectionString = AzuriteConnectionString(port) },
            Bus = local.Bus,
        };
    }

    /// <summary>The connection string of Azurite's development account on <paramref name="port"/>.</summary>
    public static string AzuriteConnectionString(int port = DefaultAzuritePort) => string.Create(CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName={AzuriteAccountName};AccountKey={AzuriteAccountKey};BlobEndpoint=http://127.0.0.1:{port}/{AzuriteAccountName};");

    /// <summary>The port in <paramref name="text"/> (from <see cref="AzuritePortVariable"/>), the default when blank, or null when it is not a port.</summary>
    public static int? ParsePort(string? text) =>
        string.IsNullOrWhiteSpace(text) ? DefaultAzuritePort
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535 ? port
        : null;
}
