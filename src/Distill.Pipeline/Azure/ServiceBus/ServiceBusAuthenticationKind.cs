namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>How <see cref="ServiceBusRestBus"/> authenticates to the namespace.</summary>
public enum ServiceBusAuthenticationKind
{
    /// <summary>
    /// A Microsoft Entra ID bearer token for <c>https://servicebus.azure.net/.default</c> from a
    /// <see cref="global::Azure.Core.TokenCredential"/> (managed identity on Azure). The default.
    /// </summary>
    EntraId,

    /// <summary>A SharedAccessSignature token signed with a shared access key (a key name and the key).</summary>
    SharedAccessKey,
}
