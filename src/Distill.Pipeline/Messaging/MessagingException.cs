namespace Distill.Pipeline.Messaging;

/// <summary>A bus operation failed for a reason the caller can act on (see <see cref="Reason"/>).</summary>
public sealed class MessagingException : Exception
{
    public MessagingException()
        : this("the bus operation failed")
    {
    }

    public MessagingException(string message)
        : this(message, MessagingErrorReason.General, entityPath: null)
    {
    }

    public MessagingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MessagingException(string message, MessagingErrorReason reason, string? entityPath)
        : base(message)
    {
        Reason = reason;
        EntityPath = entityPath;
    }

    public MessagingException(string message, MessagingErrorReason reason, string? entityPath, Exception? innerException)
        : base(message, innerException)
    {
        Reason = reason;
        EntityPath = entityPath;
    }

    /// <summary>What went wrong.</summary>
    public MessagingErrorReason Reason { get; }

    /// <summary>The queue, topic or subscription path the operation addressed, when there is one.</summary>
    public string? EntityPath { get; }
}
