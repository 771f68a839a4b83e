using System.Globalization;
using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Azure.ServiceBus;
using Microsoft.Extensions.Configuration;

namespace Distill.Pipeline.Configuration;

/// <summary>
/// One options model for the pipeline on any target: the blob store (<see cref="Storage"/>), the bus (<see cref="Bus"/>),
/// the external events (<see cref="Events"/>) and the identity (<see cref="Identity"/>), read from the configuration
/// section <c>Distill</c> (<see cref="DistillConfigurationKeys"/>; environment variables <c>Distill__Storage__Kind</c> and so on).
/// <see cref="Validate"/> lists every problem with its key; <see cref="PipelineConnection.OpenAsync(DistillOptions, TimeProvider, CancellationToken)"/>
/// opens what the options name.
/// </summary>
public sealed class DistillOptions
{
    private readonly List<string> _readProblems = [];

    public StorageOptions Storage { get; init; } = new();

    public BusOptions Bus { get; init; } = new();

    public EventsOptions Events { get; init; } = new();

    public IdentityOptions Identity { get; init; } = new();

    /// <summary>
    /// The options of the local store in <paramref name="root"/>: blobs in <c>{root}/blobs</c>, the bus in <c>{root}/bus.db</c>
    /// (the layout of <see cref="Local.LocalStore"/>).
    /// </summary>
    public static DistillOptions ForLocalStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var full = Path.GetFullPath(root);
        return new DistillOptions
        {
            Storage = new StorageOptions { Kind = StorageKind.Folder, Folder = Path.Join(full, Local.LocalStore.BlobsFolderName) },
            Bus = new BusOptions { Kind = BusKind.Sqlite, Path = Path.Join(full, Local.LocalStore.BusFileName) },
        };
    }

    /// <summary>
    /// Reads the <c>Distill</c> section of <paramref name="configuration"/> (a root, or the section itself). Values that
    /// cannot be read (an unknown kind, an address that is not absolute) become problems <see cref="Validate"/> reports.
    /// </summary>
    public static DistillOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration is IConfigurationSection { Key: DistillConfigurationKeys.Section } own ? own : configuration.GetSection(DistillConfigurationKeys.Section);
        var options = new DistillOptions();
        options.Storage.Kind = options.ReadEnum<StorageKind>(section, "Storage:Kind", DistillConfigurationKeys.StorageKind);
        options.Storage.Folder = Read(section, "Storage:Folder");
        options.Storage.ServiceUri = options.ReadUri(section, "Storage:ServiceUri", DistillConfigurationKeys.StorageServiceUri);
        options.Storage.ConnectionString = Read(section, "Storage:ConnectionString");
        options.Bus.Kind = options.ReadEnum<BusKind>(section, "Bus:Kind", DistillConfigurationKeys.BusKind);
        options.Bus.Path = Read(section, "Bus:Path");
        options.Bus.Namespace = Read(section, "Bus:Namespace");
        options.Bus.ConnectionString = Read(section, "Bus:ConnectionString");
        options.Events.EventGridEndpoint = options.ReadUri(section, "Events:EventGridEndpoint", DistillConfigurationKeys.EventsEventGridEndpoint);
        options.Events.StageEvents = options.ReadBool(section, "Events:StageEvents", DistillConfigurationKeys.EventsStageEvents);
        options.Identity.ClientId = Read(section, "Identity:ClientId");
        return options;
    }

    /// <summary>Every problem with these options (empty when they can be used), each naming its configuration key.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(_readProblems);
        ValidateStorage(problems);
        ValidateBus(problems);
        ValidateEvents(problems);
        if (Identity.ClientId is { } clientId && !Guid.TryParse(clientId, out _))
        {
            problems.Add($"{DistillConfigurationKeys.IdentityClientId} '{clientId}' is not a client id (a GUID such as 00000000-0000-0000-0000-000000000000)");
        }
        return problems;
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="DistillConfigurationException">Lists every problem with its key.</exception>
    public void ThrowIfInvalid()
    {
        if (Validate() is { Count: > 0 } problems)
        {
            throw new DistillConfigurationException(problems);
        }
    }

    /// <summary>The blob store's Azure options (<see cref="StorageKind.Azure"/>), or the reason they cannot be made.</summary>
    internal AzureBlobStoreOptions AzureBlobOptions()
    {
        if (Storage.ConnectionString is { } connectionString)
        {
            return AzureBlobStoreOptions.FromConnectionString(connectionString);
        }
        return new AzureBlobStoreOptions { ServiceUri = Storage.ServiceUri, ManagedIdentityClientId = Identity.ClientId };
    }

    /// <summary>The Service Bus options (<see cref="BusKind.ServiceBus"/>).</summary>
    internal ServiceBusRestOptions ServiceBusOptions() =>
        Bus.ConnectionString is { } connectionString
            ? ServiceBusConnectionString.Parse(connectionString)
            : new ServiceBusRestOptions { FullyQualifiedNamespace = Bus.Namespace ?? "" };

    /// <summary>The kinds and addresses; never a connection string.</summary>
    public override string ToString() =>
        $"DistillOptions {{ Storage = {Storage.Kind} {Storage.Folder ?? Storage.ServiceUri?.ToString() ?? (Storage.ConnectionString is null ? "" : "(connection string)")}, " +
        $"Bus = {Bus.Kind} {Bus.Path ?? Bus.Namespace ?? (Bus.ConnectionString is null ? "" : "(connection string)")}, EventGrid = {Events.EventGridEndpoint} }}";

    private void ValidateStorage(List<string> problems)
    {
        const string Kind = DistillConfigurationKeys.StorageKind;
        switch (Storage.Kind)
        {
            case null:
                if (!HasReadProblem(Kind))
                {
                    problems.Add($"{Kind} is required: Folder or Azure");
                }
                return;
            case StorageKind.Folder:
                if (string.IsNullOrWhiteSpace(Storage.Folder))
                {
                    problems.Add($"{DistillConfigurationKeys.StorageFolder} is required when {Kind} is Folder");
                }
                NotWith(problems, Storage.ServiceUri is not null, DistillConfigurationKeys.StorageServiceUri, Kind, "Azure");
                NotWith(problems, Storage.ConnectionString is not null, DistillConfigurationKeys.StorageConnectionString, Kind, "Azure");
                return;
            case StorageKind.Azure:
                NotWith(problems, Storage.Folder is not null, DistillConfigurationKeys.StorageFolder, Kind, "Folder");
                if (Storage.ServiceUri is null && Storage.ConnectionString is null)
                {
                    if (!HasReadProblem(DistillConfigurationKeys.StorageServiceUri))
                    {
                        problems.Add($"{DistillConfigurationKeys.StorageServiceUri} is required when {Kind} is Azure (or {DistillConfigurationKeys.StorageConnectionString} with a key or SAS)");
                    }
                    return;
                }
                if (Storage.ServiceUri is not null && Storage.ConnectionString is not null)
                {
                    problems.Add($"give {DistillConfigurationKeys.StorageServiceUri} (Entra ID) or {DistillConfigurationKeys.StorageConnectionString}, not both");
                    return;
                }
                var key = Storage.ConnectionString is null ? DistillConfigurationKeys.StorageServiceUri : DistillConfigurationKeys.StorageConnectionString;
                try
                {
                    problems.AddRange(AzureBlobOptions().Validate().Select(p => $"{key}: {p}"));
                }
                catch (ArgumentException e)
                {
                    problems.Add($"{key}: {WithoutParameter(e)}");
                }
                return;
        }
    }

    private void ValidateBus(List<string> problems)
    {
        const string Kind = DistillConfigurationKeys.BusKind;
        switch (Bus.Kind)
        {
            case null:
                if (!HasReadProblem(Kind))
                {
                    problems.Add($"{Kind} is required: Sqlite or ServiceBus");
                }
                return;
            case BusKind.Sqlite:
                if (string.IsNullOrWhiteSpace(Bus.Path))
                {
                    problems.Add($"{DistillConfigurationKeys.BusPath} is required when {Kind} is Sqlite");
                }
                NotWith(problems, Bus.Namespace is not null, DistillConfigurationKeys.BusNamespace, Kind, "ServiceBus");
                NotWith(problems, Bus.ConnectionString is not null, DistillConfigurationKeys.BusConnectionString, Kind, "ServiceBus");
                return;
            case BusKind.ServiceBus:
                NotWith(problems, Bus.Path is not null, DistillConfigurationKeys.BusPath, Kind, "Sqlite");
                if (Bus.Namespace is null && Bus.ConnectionString is null)
                {
                    problems.Add($"{DistillConfigurationKeys.BusNamespace} is required when {Kind} is ServiceBus (or {DistillConfigurationKeys.BusConnectionString} with a shared access key)");
                    return;
                }
                if (Bus.Namespace is not null && Bus.ConnectionString is not null)
                {
                    problems.Add($"give {DistillConfigurationKeys.BusNamespace} (Entra ID) or {DistillConfigurationKeys.BusConnectionString}, not both");
                    return;
                }
                var key = Bus.ConnectionString is null ? DistillConfigurationKeys.BusNamespace : DistillConfigurationKeys.BusConnectionString;
                try
                {
                    problems.AddRange(ServiceBusOptions().Validate().Select(p => $"{key}: {p}"));
                }
                catch (FormatException e)
                {
                    problems.Add($"{key}: {e.Message}");
                }
                return;
        }
    }

    private void ValidateEvents(List<string> problems)
    {
        if (Events.EventGridEndpoint is { } endpoint && endpoint.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add($"{DistillConfigurationKeys.EventsEventGridEndpoint} '{endpoint}' is not https; Entra ID tokens are only sent over https");
        }
        if (Events.StageEvents && Events.EventGridEndpoint is null)
        {
            problems.Add($"{DistillConfigurationKeys.EventsStageEvents} is true but {DistillConfigurationKeys.EventsEventGridEndpoint} is not set");
        }
    }

    private bool HasReadProblem(string key) => _readProblems.Any(p => p.StartsWith(key + " ", StringComparison.Ordinal));

    private static void NotWith(List<string> problems, bool isSet, string key, string kindKey, string otherKind)
    {
        if (isSet)
        {
            problems.Add($"{key} applies only when {kindKey} is {otherKind}; remove it or change {kindKey}");
        }
    }

    private static string WithoutParameter(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    private static string? Read(IConfiguration section, string key) =>
        section[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private T? ReadEnum<T>(IConfiguration section, string key, string fullKey)
        where T : struct, Enum
    {
        if (Read(section, key) is not { } text)
        {
            return null;
        }
        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text[0]))
        {
            return value;
        }
        _readProblems.Add($"{fullKey} '{text}' is not {string.Join(" or ", Enum.GetNames<T>())}");
        return null;
    }

    private Uri? ReadUri(IConfiguration section, string key, string fullKey)
    {
        if (Read(section, key) is not { } text)
        {
            return null;
        }
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }
        _readProblems.Add($"{fullKey} '{text}' is not an absolute http or https address");
        return null;
    }

    private bool ReadBool(IConfiguration section, string key, string fullKey)
    {
        if (Read(section, key) is not { } text)
        {
            return false;
        }
        if (bool.TryParse(text, out var value))
        {
            return value;
        }
        _readProblems.Add(string.Create(CultureInfo.InvariantCulture, $"{fullKey} '{text}' is not true or false"));
        return false;
    }
}
