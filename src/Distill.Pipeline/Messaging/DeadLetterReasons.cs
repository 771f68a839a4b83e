namespace Distill.Pipeline.Messaging;

/// <summary>The <see cref="ReceivedBusMessage.DeadLetterReason"/> values the bus sets, as Service Bus names them.</summary>
public static class DeadLetterReasons
{
    /// <summary>The message was delivered MaxDeliveryCount times without being completed.</summary>
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";

    /// <summary>The message's time to live ran out on an entity that dead-letters expired messages.</summary>
    public const string TimeToLiveExpired = "TTLExpiredException";
}
