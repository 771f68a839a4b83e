namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>An object literal.</summary>
internal sealed record BicepObject(IReadOnlyDictionary<string, object> Properties)
{
    public object? Get(string path)
    {
        object? current = this;
        foreach (var key in path.Split('.'))
        {
            current = current is BicepObject o && o.Properties.TryGetValue(key, out var next) ? next : null;
        }
        return current;
    }
}
