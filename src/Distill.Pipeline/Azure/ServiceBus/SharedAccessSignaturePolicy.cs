using Azure.Core;
using Azure.Core.Pipeline;

namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// Puts a SharedAccessSignature token for the namespace on every request (each retry too), making a new one when a
/// fifth of its lifetime is left, so a request never leaves with a token about to expire.
/// </summary>
internal sealed class SharedAccessSignaturePolicy : HttpPipelineSynchronousPolicy
{
    private readonly Uri _resource;
    private readonly string _keyName;
    private readonly string _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private string? _token;
    private DateTimeOffset _renewAt;

    public SharedAccessSignaturePolicy(Uri resource, string keyName, string key, TimeSpan lifetime, TimeProvider timeProvider)
    {
        _resource = resource;
        _keyName = keyName;
        _key = key;
        _lifetime = lifetime;
        _time = timeProvider;
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, Token());
    }

    private string Token()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_token is null || now >= _renewAt)
            {
                var expiresAt = now + _lifetime;
                _token = ServiceBusSharedAccessSignature.Create(_resource, _keyName, _key, expiresAt);
                _renewAt = expiresAt - _lifetime / 5;
            }
            return _token;
        }
    }
}
