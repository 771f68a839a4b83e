namespace Distill.Pipeline.Configuration;

/// <summary>Which message bus carries the pipeline's commands and events (<c>Distill:Bus:Kind</c>).</summary>
public enum BusKind
{
    /// <summary>A SQLite database file on this machine (<see cref="Messaging.SqliteMessageBus"/>), named by <c>Distill:Bus:Path</c>.</summary>
    Sqlite,

    /// <summary>An Azure Service Bus namespace over REST (<see cref="Azure.ServiceBus.ServiceBusRestBus"/>), by namespace (Entra ID) or connection string.</summary>
    ServiceBus,
}
