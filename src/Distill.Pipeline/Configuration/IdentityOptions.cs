namespace Distill.Pipeline.Configuration;

/// <summary>The <c>Distill:Identity</c> section: which identity asks Microsoft Entra ID for tokens.</summary>
public sealed class IdentityOptions
{
    /// <summary>
    /// <see cref="DistillConfigurationKeys.IdentityClientId"/>: the user-assigned managed identity's client id; when null the
    /// DefaultAzureCredential's own choice (<c>AZURE_CLIENT_ID</c>, the system-assigned identity, the developer's login).
    /// </summary>
    public string? ClientId { get; set; }
}
