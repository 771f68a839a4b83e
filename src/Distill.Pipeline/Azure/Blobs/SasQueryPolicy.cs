using Azure.Core;
using Azure.Core.Pipeline;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// Appends a shared access signature's parameters to every request's query, as given (they are already URL-encoded).
/// Runs once per call, before the retry policy, so retries reuse the signed address.
/// </summary>
internal sealed class SasQueryPolicy(string sasToken) : HttpPipelineSynchronousPolicy
{
    private readonly string[] _parameters = sasToken.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries);

    public override void OnSendingRequest(HttpMessage message)
    {
        foreach (var parameter in _parameters)
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                message.Request.Uri.AppendQuery(parameter, "", escapeValue: false);
            }
            else
            {
                message.Request.Uri.AppendQuery(parameter[..equals], parameter[(equals + 1)..], escapeValue: false);
            }
        }
    }
}
