using Azure.Core;

namespace Distill.Pipeline.Tests.Azure.ServiceBus;

/// <summary>An Entra ID credential that hands out one fixed token and records the scopes asked for.</summary>
internal sealed class StaticTokenCredential(string token) : TokenCredential
{
    private readonly List<string[]> _requests = [];

    public IReadOnlyList<string[]> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add(requestContext.Scopes);
        }
        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
