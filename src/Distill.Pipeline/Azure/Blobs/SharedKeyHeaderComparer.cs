namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// The order of the x-ms-* header names in a Shared Key string to sign, as Azurite sorts them (JavaScript's
/// <c>localeCompare</c>, Unicode's default collation): '_' before '-' before digits before letters, where an ordinal
/// sort puts digits before '_'. The names this client sends are lowercase letters, digits, '-' and '_' (metadata
/// names), so the two orders differ only for metadata names with '_' where another has a digit. Shared Key is meant
/// for Azurite: Distill's Azure accounts disable key access and use Entra ID.
/// </summary>
internal sealed class SharedKeyHeaderComparer : IComparer<string>
{
    public static SharedKeyHeaderComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var order = Weight(x[i]).CompareTo(Weight(y[i]));
            if (order != 0)
            {
                return order;
            }
        }
        return x.Length.CompareTo(y.Length);
    }

    private static int Weight(char c) => c switch
    {
        '_' => 0,
        '-' => 1,
        >= '0' and <= '9' => 2 + (c - '0'),
        >= 'a' and <= 'z' => 12 + (c - 'a'),
        // Never in a header name this client sends; after everything else, in ordinal order.
        _ => 100 + c,
    };
}
