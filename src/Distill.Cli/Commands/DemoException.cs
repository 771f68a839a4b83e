namespace Distill.Cli.Commands;

/// <summary>Something `distill demo` cannot do (no corpus, a teacher that cannot be trained); the message says what and where.</summary>
internal sealed class DemoException(string message, Exception? innerException = null) : Exception(message, innerException);
