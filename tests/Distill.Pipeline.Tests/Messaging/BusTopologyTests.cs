using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Messaging;

public sealed class BusTopologyTests
{
    [Fact]
    public void Constructor_Defaults_AreServiceBusDefaults()
    {
        var queue = new QueueDefinition("stages");
        var subscription = new SubscriptionDefinition("evaluation");

        Assert.Equal(TimeSpan.FromMinutes(1), queue.LockDuration);
        Assert.Equal(10, queue.MaxDeliveryCount);
        Assert.Null(queue.DuplicateDetectionWindow);
        Assert.Null(queue.DefaultMessageTimeToLive);
        Assert.Equal(TimeSpan.FromMinutes(1), subscription.LockDuration);
        Assert.Equal(10, subscription.MaxDeliveryCount);
        Assert.Empty(subscription.Filters);
    }

    [Fact]
    public void Constructor_InvalidDefinitions_ListsEveryProblemNamingTheEntity()
    {
        var error = Assert.Throws<InvalidTopologyException>(() => new BusTopology(
            [
                new QueueDefinition("bad name"),
                new QueueDefinition("-dash-first"),
                new QueueDefinition("slow") { LockDuration = TimeSpan.FromMinutes(6) },
                new QueueDefinition("never") { MaxDeliveryCount = 0 },
                new QueueDefinition("window") { DuplicateDetectionWindow = TimeSpan.FromDays(8) },
                new QueueDefinition("Events"),
            ],
            [
                new TopicDefinition("events")
                {
                    Subscriptions =
                    [
                        new SubscriptionDefinition(new string('s', 51)),
                        new SubscriptionDefinition("empty-filter") { Filters = [new CorrelationFilter()] },
                        new SubscriptionDefinition("odd-value") { Filters = [CorrelationFilter.ForProperty("when", DateTime.UnixEpoch)] },
                        new SubscriptionDefinition("twice"),
                        new SubscriptionDefinition("TWICE"),
                    ],
                },
            ]));

        Assert.Equal(10, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("queue 'bad name'", StringComparison.Ordinal) && p.Contains("character ' '", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("queue '-dash-first'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("queue 'slow': LockDuration", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("queue 'never': MaxDeliveryCount", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("queue 'window': DuplicateDetectionWindow", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("'events' is declared more than once", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("51 characters", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("subscription 'events/empty-filter' filter 1", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("subscription 'events/odd-value' filter 1", StringComparison.Ordinal) && p.Contains("DateTime", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("subscription 'events/TWICE' is declared twice", StringComparison.Ordinal));
        Assert.Contains("10 problem(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ValidTopology_KeepsDeclarations()
    {
        var topology = new BusTopology(
            [new QueueDefinition("stages") { MaxDeliveryCount = 5 }],
            [new TopicDefinition("pipeline-events") { Subscriptions = [new SubscriptionDefinition("evaluation")] }]);

        Assert.Equal("stages", Assert.Single(topology.Queues).Name);
        Assert.Equal("evaluation", Assert.Single(Assert.Single(topology.Topics).Subscriptions).Name);
    }

    [Theory]
    [InlineData("stage.completed", null, true)]
    [InlineData("stage.failed", null, false)]
    [InlineData(null, "stage.completed", false)]
    public void CorrelationFilter_ForSubject_MatchesSubjectOnly(string? subject, string? typeProperty, bool expected)
    {
        var filter = CorrelationFilter.ForSubject("stage.completed");
        var properties = typeProperty is null ? new Dictionary<string, object>() : new Dictionary<string, object> { ["type"] = typeProperty };

        Assert.Equal(expected, filter.Matches(subject, null, null, properties));
    }

    [Fact]
    public void CorrelationFilter_ForProperty_ComparesTypeAndValueWithIntAsLong()
    {
        var filter = CorrelationFilter.ForProperty("attempt", 2);

        Assert.True(filter.Matches(null, null, null, new Dictionary<string, object> { ["attempt"] = 2L }));
        Assert.False(filter.Matches(null, null, null, new Dictionary<string, object> { ["attempt"] = "2" }));
        Assert.False(filter.Matches(null, null, null, new Dictionary<string, object> { ["attempt"] = 3L }));
        Assert.False(filter.Matches(null, null, null, new Dictionary<string, object>()));
    }
}
