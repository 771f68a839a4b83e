namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>A <c>resource</c> or <c>module</c> declaration: its symbolic name, type (or module path), API version and body.</summary>
internal sealed record BicepDeclaration(string Symbol, string Type, string ApiVersion, bool Existing, object Value, int Line)
{
    /// <summary>The body; for a loop (<c>[for … : {…}]</c>), the body of one iteration.</summary>
    public BicepObject Body => Value switch
    {
        BicepObject body => body,
        BicepLoop { Body: BicepObject body } => body,
        _ => throw new InvalidDataException($"{Symbol} (line {Line}) has no object body"),
    };

    /// <summary>The value at a dotted path in the body (<c>properties.lockDuration</c>), or null when absent.</summary>
    public object? Get(string path) => Body.Get(path);

    /// <summary>The string literal at a path; fails when it is absent or not a literal.</summary>
    public string GetString(string path) =>
        Get(path) is BicepString text ? text.Value : throw new InvalidDataException($"{Symbol} (line {Line}): {path} is not a string literal");

    /// <summary>The expression at a path as written (a literal comes back quoted, as in Bicep).</summary>
    public string GetExpression(string path) => Get(path) switch
    {
        BicepExpression expression => expression.Text,
        BicepString text => $"'{text.Value}'",
        var other => throw new InvalidDataException($"{Symbol} (line {Line}): {path} is {other?.GetType().Name ?? "absent"}, not an expression"),
    };
}
