namespace Distill.Pipeline.Configuration;

/// <summary>The <c>Distill:Bus</c> section: which message bus and how to reach it.</summary>
public sealed class BusOptions
{
    /// <summary><see cref="DistillConfigurationKeys.BusKind"/>; required.</summary>
    public BusKind? Kind { get; set; }

    /// <summary><see cref="DistillConfigurationKeys.BusPath"/>: the SQLite database file, for <see cref="BusKind.Sqlite"/>.</summary>
    public string? Path { get; set; }

    /// <summary><see cref="DistillConfigurationKeys.BusNamespace"/>: <c>{name}.servicebus.windows.net</c>, with Entra ID.</summary>
    public string? Namespace { get; set; }

    /// <summary><see cref="DistillConfigurationKeys.BusConnectionString"/>: <c>Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...</c>. A secret.</summary>
    public string? ConnectionString { get; set; }
}
