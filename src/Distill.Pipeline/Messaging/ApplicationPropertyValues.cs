using System.Globalization;

namespace Distill.Pipeline.Messaging;

/// <summary>The rules for application property names and values that every bus implementation shares.</summary>
internal static class ApplicationPropertyValues
{
    /// <summary>Service Bus's limit on one property (name and value), in characters.</summary>
    public const int MaxPropertyLength = 32 * 1024;

    /// <summary>
    /// Names no application property may have, whatever the bus: over Service Bus REST each property is an HTTP
    /// header, so standard HTTP headers, the broker's own (<c>BrokerProperties</c>, and <c>DeadLetterReason</c> and
    /// <c>DeadLetterErrorDescription</c>, which it adds when dead-lettering) and those the REST bus uses to carry a
    /// delayed redelivery cannot be properties. Names starting with <c>x-ms-</c> are reserved too.
    /// </summary>
    public static readonly IReadOnlyList<string> ReservedNames =
    [
        "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Age", "Allow", "Alt-Svc",
        "Authorization", "BrokerProperties", "Cache-Control", "Connection", "Content-Disposition", "Content-Encoding",
        "Content-Language", "Content-Length", "Content-Location", "Content-MD5", "Content-Range", "Content-Type", "Cookie",
        "Date", "DeadLetterErrorDescription", "DeadLetterReason", "ETag", "Expect", "Expires", "From", "Host", "If-Match",
        "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Keep-Alive", "Last-Modified", "Location",
        "Max-Forwards", "Origin", "Pragma", "Proxy-Authenticate", "Proxy-Authorization", "Range", "Referer",
        "Request-Context", "Request-Id", "Retry-After", "Server", "Set-Cookie", "Strict-Transport-Security", "TE",
        "traceparent", "tracestate", "Trailer", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary", "Via", "Warning",
        "WWW-Authenticate", "X-Distill-Delivery-Count", "X-Distill-Message-Id", "X-Powered-By",
    ];

    private static readonly HashSet<string> s_reserved = new(ReservedNames, StringComparer.OrdinalIgnoreCase);

    /// <summary>The value as the bus stores and delivers it: an int becomes a long, a float a double.</summary>
    public static object Normalize(object value) => value switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => value,
    };

    /// <summary>What is wrong with a property, or null when it can be sent.</summary>
    public static string? Problem(string name, object? value)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "an application property has an empty name";
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return $"application property name '{name}' has the character '{c}'; use letters, digits, '-', '_' and '.'";
            }
        }
        if (s_reserved.Contains(name) || name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
        {
            return $"application property name '{name}' is reserved (an HTTP header or a name the broker uses over Service Bus REST); choose another";
        }
        switch (value)
        {
            case null:
                return $"application property '{name}' is null; leave it out instead";
            case string s when name.Length + s.Length > MaxPropertyLength:
                return $"application property '{name}' is {s.Length} characters long; the limit is {MaxPropertyLength}";
            case string or long or int or bool:
                return null;
            case double d when !double.IsFinite(d):
            case float f when !float.IsFinite(f):
                return $"application property '{name}' is {Convert.ToString(value, CultureInfo.InvariantCulture)}; numbers must be finite";
            case double or float:
                return null;
            default:
                return $"application property '{name}' is a {value.GetType().Name}; use string, long, int, double or bool";
        }
    }
}
