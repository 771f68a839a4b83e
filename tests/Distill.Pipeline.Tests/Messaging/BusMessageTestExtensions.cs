using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Messaging;

internal static class BusMessageTestExtensions
{
    /// <summary>Sets the message id and returns the message, for one-line test messages.</summary>
    public static BusMessage WithId(this BusMessage message, string messageId)
    {
        message.MessageId = messageId;
        return message;
    }
}
