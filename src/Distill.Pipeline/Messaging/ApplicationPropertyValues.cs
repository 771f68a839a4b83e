using System.Globalization;

namespace Distill.Pipeline.Messaging;

/// <summary>The rules for application property names and values that every bus implementation shares.</summary>
internal static class ApplicationPropertyValues
{
    /// <summary>Service Bus's limit on one property (name and value), in characters.</summary>
    public const int MaxPropertyLength = 32 * 1024;

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
