using Azure;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Tests.Handlers;

public sealed class TransientFaultsTests
{
    [Theory]
    [InlineData(BlobStoreErrorReason.NotFound, true)]
    [InlineData(BlobStoreErrorReason.ConditionNotMet, true)]
    [InlineData(BlobStoreErrorReason.LeaseConflict, true)]
    [InlineData(BlobStoreErrorReason.ServiceUnavailable, true)]
    [InlineData(BlobStoreErrorReason.InvalidName, false)]
    [InlineData(BlobStoreErrorReason.InvalidRange, false)]
    [InlineData(BlobStoreErrorReason.NameConflict, false)]
    public void IsTransient_BlobStoreFailure_FollowsItsReason(BlobStoreErrorReason reason, bool expected)
    {
        var failure = new BlobStoreException(reason, "runs", "r1/state.json", reason.ToString(), "the store said no");

        Assert.Equal(expected, TransientFaults.IsTransient(failure));
    }

    [Theory]
    [InlineData(MessagingErrorReason.General, true)]
    [InlineData(MessagingErrorReason.MessageLockLost, true)]
    [InlineData(MessagingErrorReason.EntityNotFound, false)]
    [InlineData(MessagingErrorReason.MessageTooLarge, false)]
    public void IsTransient_BusFailure_FollowsItsReason(MessagingErrorReason reason, bool expected)
    {
        var failure = new MessagingException("the bus said no", reason, entityPath: "stages");

        Assert.Equal(expected, TransientFaults.IsTransient(failure));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    public void IsTransient_AzureRequestFailure_RetriesNoResponseThrottlingAndServerErrors(int status, bool expected)
    {
        Assert.Equal(expected, TransientFaults.IsTransient(new RequestFailedException(status, "the service answered " + status)));
    }

    [Fact]
    public void IsTransient_AggregateOfTransientFaults_IsTransientOnlyWhenEveryInnerOneIs()
    {
        Assert.True(TransientFaults.IsTransient(new AggregateException(new IOException("disk"), new TimeoutException("slow"))));
        Assert.False(TransientFaults.IsTransient(new AggregateException(new IOException("disk"), new InvalidOperationException("bug"))));
        Assert.False(TransientFaults.IsTransient(new AggregateException()));
    }

    [Fact]
    public void IsTransient_ProgrammingError_IsNot()
    {
        Assert.False(TransientFaults.IsTransient(new InvalidOperationException("a bug")));
        Assert.False(TransientFaults.IsTransient(new ArgumentException("a bad argument")));
    }
}
