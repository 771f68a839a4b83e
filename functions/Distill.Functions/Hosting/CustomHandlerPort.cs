using System.Globalization;

namespace Distill.Functions.Hosting;

/// <summary>Where the app listens: the loopback port the Functions host chose and passes in <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>.</summary>
internal static class CustomHandlerPort
{
    /// <summary>The environment variable the host sets for the handler process.</summary>
    public const string EnvironmentVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>
    /// Listens on <c>http://127.0.0.1:{FUNCTIONS_CUSTOMHANDLER_PORT}</c> when the variable is set (under the host); otherwise
    /// leaves the URLs to the usual settings (<c>--urls</c>, <c>ASPNETCORE_URLS</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The variable is set but is not a port number.</exception>
    public static IWebHostBuilder UseCustomHandlerPort(this IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return builder;
        }
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is '{value}', not a port number (1 to 65535)");
        }
        return builder.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
    }
}
