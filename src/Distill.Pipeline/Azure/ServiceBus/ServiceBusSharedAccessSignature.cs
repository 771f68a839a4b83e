using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// Makes Service Bus SharedAccessSignature tokens: <c>SharedAccessSignature sr={resource}&amp;sig={signature}&amp;se={expiry}&amp;skn={keyName}</c>,
/// where the signature is the base64 HMAC-SHA256 of <c>{url-encoded resource}\n{expiry}</c> keyed by the UTF-8 bytes of
/// the key as the portal shows it (not base64-decoded), and the expiry is in Unix seconds.
/// </summary>
public static class ServiceBusSharedAccessSignature
{
    /// <summary>The token for <paramref name="resource"/> (a namespace endpoint covers every entity in it), valid until <paramref name="expiresAt"/>.</summary>
    public static string Create(Uri resource, string keyName, string key, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var encodedResource = WebUtility.UrlEncode(resource.AbsoluteUri);
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{encodedResource}\n{expiry}")));
        return $"SharedAccessSignature sr={encodedResource}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={WebUtility.UrlEncode(keyName)}";
    }
}
