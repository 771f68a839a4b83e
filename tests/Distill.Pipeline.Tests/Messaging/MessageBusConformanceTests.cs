using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Messaging;

/// <summary>
/// The behaviour every <see cref="IMessageBus"/> must show, whatever stores it: a subclass supplies buses over
/// one fresh store per test and a way to move the bus's clock. Times are asserted to within a second, since
/// Service Bus REST reports them in whole seconds.
/// </summary>
public abstract class MessageBusConformanceTests : IAsyncLifetime
{
    /// <summary>The clock's time when a test starts.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected static readonly TimeSpan LockDuration = TimeSpan.FromSeconds(30);
    protected static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(10);
    protected static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromMinutes(1);
    protected const int MaxDeliveryCount = 3;

    private static readonly TimeSpan s_tolerance = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_realTimeLimit = TimeSpan.FromSeconds(10);

    private readonly List<IMessageBus> _buses = [];

    /// <summary>
    /// What the suite runs against: "work" (lock 30 s, 3 deliveries, duplicate detection 10 min), "plain"
    /// (no duplicate detection), "expiring" and "dropping" (TTL 1 min, dead-lettering expired messages or not),
    /// and topic "events" (duplicate detection) with subscriptions "all" (no filter), "completed" (subject),
    /// "evaluated" (property type) and "failures" (either of two filters).
    /// </summary>
    public static BusTopology Topology { get; } = new(
        [
            new QueueDefinition("work") { LockDuration = LockDuration, MaxDeliveryCount = MaxDeliveryCount, DuplicateDetectionWindow = DuplicateWindow },
            new QueueDefinition("plain") { LockDuration = LockDuration },
            new QueueDefinition("expiring") { LockDuration = LockDuration, DefaultMessageTimeToLive = DefaultTimeToLive, DeadLetterOnMessageExpiration = true },
            new QueueDefinition("dropping") { LockDuration = LockDuration, DefaultMessageTimeToLive = DefaultTimeToLive },
        ],
        [
            new TopicDefinition("events")
            {
                DuplicateDetectionWindow = DuplicateWindow,
                Subscriptions =
                [
                    new SubscriptionDefinition("all") { LockDuration = LockDuration, MaxDeliveryCount = MaxDeliveryCount },
                    new SubscriptionDefinition("completed")
                    {
                        LockDuration = LockDuration,
                        MaxDeliveryCount = MaxDeliveryCount,
                        Filters = [CorrelationFilter.ForSubject("stage.completed")],
                    },
                    new SubscriptionDefinition("evaluated")
                    {
                        LockDuration = LockDuration,
                        MaxDeliveryCount = MaxDeliveryCount,
                        Filters = [CorrelationFilter.ForProperty("type", "evaluated")],
                    },
                    new SubscriptionDefinition("failures")
                    {
                        LockDuration = LockDuration,
                        MaxDeliveryCount = MaxDeliveryCount,
                        Filters = [CorrelationFilter.ForSubject("stage.failed"), CorrelationFilter.ForProperty("type", "pipeline.failed")],
                    },
                ],
            },
        ]);

    /// <summary>The bus's clock.</summary>
    protected abstract DateTimeOffset UtcNow { get; }

    /// <summary>A new bus over this test's store; every bus one test creates shares the store, which starts empty.</summary>
    protected abstract Task<IMessageBus> OpenBusAsync(BusTopology topology);

    /// <summary>Moves the bus's clock forward.</summary>
    protected abstract Task AdvanceTimeAsync(TimeSpan by);

    /// <summary>Removes the test's store after every bus is disposed.</summary>
    protected virtual ValueTask DeleteStoreAsync() => ValueTask.CompletedTask;

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var bus in _buses)
        {
            await bus.DisposeAsync();
        }
        await DeleteStoreAsync();
        GC.SuppressFinalize(this);
    }

    private async Task<IMessageBus> BusAsync()
    {
        var bus = await OpenBusAsync(Topology);
        _buses.Add(bus);
        return bus;
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // ---- send, receive, complete ----

    [Fact]
    public async Task SendAsync_ThenReceive_ReturnsMessageLockedWithDeliveryCountOne()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", new BusMessage("hello"u8.ToArray()) { MessageId = "m1" }, Cancel);

        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(received);
        Assert.Equal("hello", received.BodyToString());
        Assert.Equal("m1", received.MessageId);
        Assert.Equal("work", received.EntityPath);
        Assert.Equal(1, received.DeliveryCount);
        Assert.False(string.IsNullOrEmpty(received.LockToken));
        AssertClose(Start + LockDuration, received.LockedUntil);
        AssertClose(Start, received.EnqueuedTime);
        Assert.Null(received.DeadLetterReason);
    }

    [Fact]
    public async Task SendAsync_WithoutMessageId_AssignsUniqueIds()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("a"), Cancel);
        await bus.SendAsync("work", BusMessage.FromText("b"), Cancel);

        var first = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        var second = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.False(string.IsNullOrEmpty(first.MessageId));
        Assert.NotEqual(first.MessageId, second.MessageId);
    }

    [Fact]
    public async Task CompleteAsync_ReceivedMessage_RemovesItForGood()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("once"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);

        await bus.CompleteAsync(received, Cancel);
        await AdvanceTimeAsync(LockDuration * 3);

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        Assert.Null(await bus.ReceiveAsync(EntityPath.DeadLetterQueue("work"), TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task ReceiveAsync_NothingVisibleZeroWait_ReturnsNull()
    {
        var bus = await BusAsync();

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task ReceiveAsync_NothingVisible_WaitsForMaxWaitThenReturnsNull()
    {
        var bus = await BusAsync();

        var receive = bus.ReceiveAsync("work", TimeSpan.FromSeconds(20), Cancel);
        await AdvanceTimeAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAny(receive, Task.Delay(100, Cancel));
        Assert.False(receive.IsCompleted, "the receive returned before its maximum wait");

        var result = await AdvanceUntilDoneAsync(receive, TimeSpan.FromSeconds(5));

        Assert.Null(result);
        Assert.True(UtcNow - Start >= TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task ReceiveAsync_MessageSentWhileWaiting_ReturnsItBeforeMaxWait()
    {
        var receiver = await BusAsync();
        var sender = await BusAsync();
        var receive = receiver.ReceiveAsync("work", TimeSpan.FromMinutes(1), Cancel);
        await Task.WhenAny(receive, Task.Delay(50, Cancel));
        Assert.False(receive.IsCompleted);

        await sender.SendAsync("work", BusMessage.FromText("late"), Cancel);
        var received = await AdvanceUntilDoneAsync(receive, TimeSpan.FromMilliseconds(500));

        Assert.NotNull(received);
        Assert.Equal("late", received.BodyToString());
        Assert.True(UtcNow - Start < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task ReceiveAsync_Cancelled_ThrowsOperationCanceled()
    {
        var bus = await BusAsync();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Cancel);

        var receive = bus.ReceiveAsync("work", TimeSpan.FromMinutes(1), cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(s_realTimeLimit, Cancel));
    }

    // ---- peek-lock ----

    [Fact]
    public async Task ReceiveAsync_LockedMessage_IsHiddenUntilLockExpiresThenRedeliveredWithCountTwo()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("job"), Cancel);
        var first = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(first);

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        await AdvanceTimeAsync(LockDuration - TimeSpan.FromSeconds(2));
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        await AdvanceTimeAsync(TimeSpan.FromSeconds(3));
        var second = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(second);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal("job", second.BodyToString());
        Assert.Equal(2, second.DeliveryCount);
        Assert.NotEqual(first.LockToken, second.LockToken);
    }

    [Fact]
    public async Task RenewLockAsync_BeforeExpiry_ExtendsLockByLockDurationFromNow()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("long job"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);

        await AdvanceTimeAsync(TimeSpan.FromSeconds(20));
        var lockedUntil = await bus.RenewLockAsync(received, Cancel);

        AssertClose(Start + TimeSpan.FromSeconds(20) + LockDuration, lockedUntil);
        Assert.Equal(lockedUntil, received.LockedUntil);
        await AdvanceTimeAsync(TimeSpan.FromSeconds(20));
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        await bus.CompleteAsync(received, Cancel);
        await AdvanceTimeAsync(LockDuration * 2);
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("abandon")]
    [InlineData("renew")]
    public async Task Settle_AfterLockExpired_ThrowsLockLost(string operation)
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("slow"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        await AdvanceTimeAsync(LockDuration + TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<MessagingException>(() => SettleAsync(bus, received, operation));

        Assert.Equal(MessagingErrorReason.MessageLockLost, error.Reason);
        Assert.Equal("work", error.EntityPath);
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("abandon")]
    [InlineData("renew")]
    public async Task Settle_AfterComplete_ThrowsLockLost(string operation)
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("done"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        await bus.CompleteAsync(received, Cancel);

        var error = await Assert.ThrowsAsync<MessagingException>(() => SettleAsync(bus, received, operation));

        Assert.Equal(MessagingErrorReason.MessageLockLost, error.Reason);
    }

    [Fact]
    public async Task CompleteAsync_AfterRedeliveryToAnotherReceiver_ThrowsLockLostAndNewHolderCompletes()
    {
        var first = await BusAsync();
        var second = await BusAsync();
        await first.SendAsync("work", BusMessage.FromText("contested"), Cancel);
        var stale = await first.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(stale);
        await AdvanceTimeAsync(LockDuration + TimeSpan.FromSeconds(2));
        var current = await second.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(current);

        var error = await Assert.ThrowsAsync<MessagingException>(() => first.CompleteAsync(stale, Cancel));
        await second.CompleteAsync(current, Cancel);

        Assert.Equal(MessagingErrorReason.MessageLockLost, error.Reason);
        Assert.Equal(2, current.DeliveryCount);
        await AdvanceTimeAsync(LockDuration * 2);
        Assert.Null(await first.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    // ---- abandon ----

    [Fact]
    public async Task AbandonAsync_WithoutDelay_MakesMessageVisibleAtOnceWithCountKept()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("retry me"), Cancel);
        var first = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(first);

        await bus.AbandonAsync(first, cancellationToken: Cancel);
        var second = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(second);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal("retry me", second.BodyToString());
        Assert.Equal(2, second.DeliveryCount);
    }

    [Fact]
    public async Task AbandonAsync_WithDelay_HidesMessageUntilDelayPassesThenRedeliversItUnchanged()
    {
        var bus = await BusAsync();
        var sent = new BusMessage(new byte[] { 1, 2, 3 }) { MessageId = "run1:distill:1", CorrelationId = "run1", Subject = "stage.requested", ContentType = "application/octet-stream" };
        sent.ApplicationProperties["stage"] = "distill";
        sent.ApplicationProperties["attempt"] = 1L;
        await bus.SendAsync("work", sent, Cancel);
        var first = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(first);

        await bus.AbandonAsync(first, TimeSpan.FromMinutes(5), Cancel);

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        await AdvanceTimeAsync(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(2));
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        await AdvanceTimeAsync(TimeSpan.FromSeconds(3));
        var second = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(second);
        Assert.Equal("run1:distill:1", second.MessageId);
        Assert.Equal("run1", second.CorrelationId);
        Assert.Equal("stage.requested", second.Subject);
        Assert.Equal("application/octet-stream", second.ContentType);
        Assert.Equal(new byte[] { 1, 2, 3 }, second.Body.ToArray());
        Assert.Equal(2, second.ApplicationProperties.Count);
        Assert.Equal("distill", second.ApplicationProperties["stage"]);
        Assert.Equal(1L, second.ApplicationProperties["attempt"]);
        Assert.Equal(2, second.DeliveryCount);
    }

    // ---- dead-lettering ----

    [Fact]
    public async Task ReceiveAsync_AfterMaxDeliveryCountAbandons_MessageIsInDeadLetterQueueWithReason()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", new BusMessage("poison"u8.ToArray()) { MessageId = "p1", Subject = "stage.requested" }, Cancel);
        for (var delivery = 1; delivery <= MaxDeliveryCount; delivery++)
        {
            var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
            Assert.NotNull(received);
            Assert.Equal(delivery, received.DeliveryCount);
            await bus.AbandonAsync(received, cancellationToken: Cancel);
        }

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        var dead = await bus.ReceiveAsync("work/$deadletterqueue", TimeSpan.Zero, Cancel);

        Assert.NotNull(dead);
        Assert.Equal("p1", dead.MessageId);
        Assert.Equal("poison", dead.BodyToString());
        Assert.Equal("stage.requested", dead.Subject);
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.DeadLetterReason);
        Assert.False(string.IsNullOrEmpty(dead.DeadLetterErrorDescription));
        Assert.Equal("work/$deadletterqueue", dead.EntityPath);
        await bus.CompleteAsync(dead, Cancel);
        await AdvanceTimeAsync(LockDuration * 2);
        Assert.Null(await bus.ReceiveAsync("work/$deadletterqueue", TimeSpan.Zero, Cancel));
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task AbandonAsync_WithDelayEveryTime_CountsDeliveriesAndDeadLettersAfterTheLast()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("keeps failing").WithId("f1"), Cancel);
        for (var delivery = 1; delivery <= MaxDeliveryCount; delivery++)
        {
            var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
            Assert.NotNull(received);
            Assert.Equal("f1", received.MessageId);
            Assert.Equal(delivery, received.DeliveryCount);
            await bus.AbandonAsync(received, TimeSpan.FromMinutes(1), Cancel);
            Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
            await AdvanceTimeAsync(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(2));
        }

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        var dead = await bus.ReceiveAsync("work/$deadletterqueue", TimeSpan.Zero, Cancel);

        Assert.NotNull(dead);
        Assert.Equal("f1", dead.MessageId);
        Assert.Equal("keeps failing", dead.BodyToString());
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.DeadLetterReason);
    }

    [Fact]
    public async Task DeadLetterQueue_AfterMaxDeliveryCountLockExpiries_HoldsMessage()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("crashes its runner"), Cancel);
        for (var delivery = 1; delivery <= MaxDeliveryCount; delivery++)
        {
            var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
            Assert.NotNull(received);
            await AdvanceTimeAsync(LockDuration + TimeSpan.FromSeconds(2));
        }

        var dead = await bus.ReceiveAsync(EntityPath.DeadLetterQueue("work"), TimeSpan.Zero, Cancel);

        Assert.NotNull(dead);
        Assert.Equal("crashes its runner", dead.BodyToString());
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.DeadLetterReason);
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task AbandonAsync_DeadLetterMessage_KeepsItInDeadLetterQueue()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("inspect me"), Cancel);
        for (var delivery = 1; delivery <= MaxDeliveryCount; delivery++)
        {
            var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
            Assert.NotNull(received);
            await bus.AbandonAsync(received, cancellationToken: Cancel);
        }
        var dead = await bus.ReceiveAsync("work/$deadletterqueue", TimeSpan.Zero, Cancel);
        Assert.NotNull(dead);

        await bus.AbandonAsync(dead, cancellationToken: Cancel);
        var again = await bus.ReceiveAsync("work/$deadletterqueue", TimeSpan.Zero, Cancel);

        Assert.NotNull(again);
        Assert.Equal(dead.MessageId, again.MessageId);
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, again.DeadLetterReason);
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task DeadLetterQueue_OfSubscription_HoldsItsExhaustedMessagesOnly()
    {
        var bus = await BusAsync();
        var completed = EntityPath.Subscription("events", "completed");
        await bus.SendAsync("events", new BusMessage("e"u8.ToArray()) { Subject = "stage.completed" }, Cancel);
        for (var delivery = 1; delivery <= MaxDeliveryCount; delivery++)
        {
            var received = await bus.ReceiveAsync(completed, TimeSpan.Zero, Cancel);
            Assert.NotNull(received);
            Assert.Equal(completed, received.EntityPath);
            await bus.AbandonAsync(received, cancellationToken: Cancel);
        }

        var dead = await bus.ReceiveAsync(EntityPath.DeadLetterQueue(completed), TimeSpan.Zero, Cancel);

        Assert.NotNull(dead);
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.DeadLetterReason);
        Assert.Equal("events/subscriptions/completed/$deadletterqueue", dead.EntityPath);
        Assert.Null(await bus.ReceiveAsync(EntityPath.DeadLetterQueue(EntityPath.Subscription("events", "all")), TimeSpan.Zero, Cancel));
        var untouched = await bus.ReceiveAsync(EntityPath.Subscription("events", "all"), TimeSpan.Zero, Cancel);
        Assert.NotNull(untouched);
        Assert.Equal(1, untouched.DeliveryCount);
    }

    // ---- duplicate detection ----

    [Fact]
    public async Task SendAsync_DuplicateIdWithinWindow_IsDroppedSilently()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", new BusMessage("first"u8.ToArray()) { MessageId = "run1:distill:1" }, Cancel);
        await AdvanceTimeAsync(DuplicateWindow - TimeSpan.FromMinutes(1));

        await bus.SendAsync("work", new BusMessage("second"u8.ToArray()) { MessageId = "run1:distill:1" }, Cancel);

        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        Assert.Equal("first", received.BodyToString());
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task SendAsync_DuplicateIdAfterOriginalCompletedWithinWindow_IsDropped()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("once").WithId("same"), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        await bus.CompleteAsync(received, Cancel);

        await bus.SendAsync("work", BusMessage.FromText("twice").WithId("same"), Cancel);

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task SendAsync_DuplicateIdAfterWindow_IsDelivered()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("first").WithId("same"), Cancel);
        var first = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(first);
        await bus.CompleteAsync(first, Cancel);
        await AdvanceTimeAsync(DuplicateWindow + TimeSpan.FromSeconds(2));

        await bus.SendAsync("work", BusMessage.FromText("again").WithId("same"), Cancel);

        var again = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.NotNull(again);
        Assert.Equal("again", again.BodyToString());
    }

    [Fact]
    public async Task SendAsync_SameIdWithoutDuplicateDetection_DeliversBoth()
    {
        var bus = await BusAsync();
        await bus.SendAsync("plain", BusMessage.FromText("one").WithId("same"), Cancel);
        await bus.SendAsync("plain", BusMessage.FromText("two").WithId("same"), Cancel);

        var first = await bus.ReceiveAsync("plain", TimeSpan.Zero, Cancel);
        var second = await bus.ReceiveAsync("plain", TimeSpan.Zero, Cancel);

        Assert.Equal("one", first?.BodyToString());
        Assert.Equal("two", second?.BodyToString());
    }

    [Fact]
    public async Task SendAsync_SameIdToAnotherEntity_IsNotADuplicate()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("to work").WithId("same"), Cancel);
        await bus.SendAsync("events", BusMessage.FromText("to events").WithId("same"), Cancel);

        Assert.NotNull(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        Assert.NotNull(await bus.ReceiveAsync(EntityPath.Subscription("events", "all"), TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task SendBatchAsync_DeliversInOrderAndDetectsDuplicatesPerMessage()
    {
        var bus = await BusAsync();

        await bus.SendBatchAsync(
            "work",
            [BusMessage.FromText("a").WithId("a"), BusMessage.FromText("b").WithId("b"), BusMessage.FromText("a again").WithId("a")],
            Cancel);

        Assert.Equal("a", (await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel))?.BodyToString());
        Assert.Equal("b", (await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel))?.BodyToString());
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task SendBatchAsync_OneInvalidMessage_SendsNone()
    {
        var bus = await BusAsync();
        var invalid = BusMessage.FromText("bad");
        invalid.ApplicationProperties["bad name"] = 1L;

        await Assert.ThrowsAsync<ArgumentException>(() => bus.SendBatchAsync("work", [BusMessage.FromText("good"), invalid], Cancel));

        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    // ---- scheduling and expiry ----

    [Fact]
    public async Task SendAsync_Scheduled_IsInvisibleUntilItsTime()
    {
        var bus = await BusAsync();
        var due = Start + TimeSpan.FromMinutes(2);
        await bus.SendAsync("work", new BusMessage("later"u8.ToArray()) { ScheduledEnqueueTime = due }, Cancel);
        await bus.SendAsync("work", BusMessage.FromText("now"), Cancel);

        var immediate = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);
        Assert.Equal("now", immediate?.BodyToString());
        await bus.CompleteAsync(immediate!, Cancel);
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        await AdvanceTimeAsync(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(2));
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
        await AdvanceTimeAsync(TimeSpan.FromSeconds(3));
        var scheduled = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(scheduled);
        Assert.Equal("later", scheduled.BodyToString());
        Assert.Equal(1, scheduled.DeliveryCount);
        Assert.True(scheduled.EnqueuedTime >= due - s_tolerance, $"enqueued {scheduled.EnqueuedTime:O}, scheduled {due:O}");
    }

    [Fact]
    public async Task SendAsync_ScheduledInThePast_IsVisibleAtOnce()
    {
        var bus = await BusAsync();

        await bus.SendAsync("work", new BusMessage("overdue"u8.ToArray()) { ScheduledEnqueueTime = Start - TimeSpan.FromHours(1) }, Cancel);

        Assert.Equal("overdue", (await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel))?.BodyToString());
    }

    [Fact]
    public async Task ReceiveAsync_AfterDefaultTimeToLive_ExpiredMessageIsDeadLettered()
    {
        var bus = await BusAsync();
        await bus.SendAsync("expiring", BusMessage.FromText("stale"), Cancel);
        await AdvanceTimeAsync(DefaultTimeToLive + TimeSpan.FromSeconds(2));

        Assert.Null(await bus.ReceiveAsync("expiring", TimeSpan.Zero, Cancel));
        var dead = await bus.ReceiveAsync("expiring/$deadletterqueue", TimeSpan.Zero, Cancel);

        Assert.NotNull(dead);
        Assert.Equal("stale", dead.BodyToString());
        Assert.Equal(DeadLetterReasons.TimeToLiveExpired, dead.DeadLetterReason);
    }

    [Fact]
    public async Task ReceiveAsync_MessageTimeToLiveShorterThanDefault_ExpiresFirstAndIsDroppedWithoutDeadLettering()
    {
        var bus = await BusAsync();
        await bus.SendAsync("dropping", new BusMessage("brief"u8.ToArray()) { TimeToLive = TimeSpan.FromSeconds(10) }, Cancel);
        await bus.SendAsync("dropping", BusMessage.FromText("lasting"), Cancel);
        await AdvanceTimeAsync(TimeSpan.FromSeconds(12));

        var received = await bus.ReceiveAsync("dropping", TimeSpan.Zero, Cancel);

        Assert.Equal("lasting", received?.BodyToString());
        AssertClose(Start + DefaultTimeToLive, received!.ExpiresAt!.Value);
        Assert.Null(await bus.ReceiveAsync("dropping/$deadletterqueue", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task CompleteAsync_MessageExpiredWhileLocked_Succeeds()
    {
        var bus = await BusAsync();
        await bus.SendAsync("expiring", BusMessage.FromText("nearly stale"), Cancel);
        var received = await bus.ReceiveAsync("expiring", TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        await AdvanceTimeAsync(TimeSpan.FromSeconds(25));
        await bus.RenewLockAsync(received, Cancel);
        await AdvanceTimeAsync(TimeSpan.FromSeconds(25));
        await bus.RenewLockAsync(received, Cancel);
        await AdvanceTimeAsync(TimeSpan.FromSeconds(15));
        Assert.True(UtcNow > received.ExpiresAt, "the test must complete after the message's expiry");

        await bus.CompleteAsync(received, Cancel);

        Assert.Null(await bus.ReceiveAsync("expiring/$deadletterqueue", TimeSpan.Zero, Cancel));
    }

    // ---- topics ----

    [Fact]
    public async Task SendAsync_ToTopic_CopiesToEverySubscriptionWhoseFilterMatches()
    {
        var bus = await BusAsync();

        await bus.SendAsync("events", new BusMessage("c"u8.ToArray()) { Subject = "stage.completed" }, Cancel);
        var evaluated = new BusMessage("v"u8.ToArray()) { Subject = "something.else" };
        evaluated.ApplicationProperties["type"] = "evaluated";
        await bus.SendAsync("events", evaluated, Cancel);

        Assert.Equal(["c", "v"], await DrainAsync(bus, EntityPath.Subscription("events", "all")));
        Assert.Equal(["c"], await DrainAsync(bus, EntityPath.Subscription("events", "completed")));
        Assert.Equal(["v"], await DrainAsync(bus, EntityPath.Subscription("events", "evaluated")));
        Assert.Empty(await DrainAsync(bus, EntityPath.Subscription("events", "failures")));
    }

    [Fact]
    public async Task SendAsync_ToTopic_SubscriptionWithSeveralFiltersTakesMessagesMatchingAny()
    {
        var bus = await BusAsync();
        var byProperty = BusMessage.FromText("by property");
        byProperty.ApplicationProperties["type"] = "pipeline.failed";
        var wrongValue = BusMessage.FromText("wrong value");
        wrongValue.ApplicationProperties["type"] = "pipeline.completed";

        await bus.SendAsync("events", new BusMessage("by subject"u8.ToArray()) { Subject = "stage.failed" }, Cancel);
        await bus.SendAsync("events", byProperty, Cancel);
        await bus.SendAsync("events", wrongValue, Cancel);
        await bus.SendAsync("events", new BusMessage("other subject"u8.ToArray()) { Subject = "stage.completed" }, Cancel);

        Assert.Equal(["by subject", "by property"], await DrainAsync(bus, EntityPath.Subscription("events", "failures")));
    }

    [Fact]
    public async Task Subscriptions_SettleTheirCopiesIndependently()
    {
        var bus = await BusAsync();
        await bus.SendAsync("events", new BusMessage("shared"u8.ToArray()) { Subject = "stage.completed", MessageId = "e1" }, Cancel);
        var all = await bus.ReceiveAsync("events/subscriptions/all", TimeSpan.Zero, Cancel);
        var completed = await bus.ReceiveAsync("events/subscriptions/completed", TimeSpan.Zero, Cancel);
        Assert.NotNull(all);
        Assert.NotNull(completed);
        Assert.Equal("e1", all.MessageId);
        Assert.Equal("e1", completed.MessageId);

        await bus.CompleteAsync(all, Cancel);
        await bus.AbandonAsync(completed, cancellationToken: Cancel);

        Assert.Null(await bus.ReceiveAsync("events/subscriptions/all", TimeSpan.Zero, Cancel));
        var again = await bus.ReceiveAsync("events/subscriptions/completed", TimeSpan.Zero, Cancel);
        Assert.NotNull(again);
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public async Task SendAsync_ToTopicDuplicateIdWithinWindow_IsDroppedForEverySubscription()
    {
        var bus = await BusAsync();
        await bus.SendAsync("events", new BusMessage("first"u8.ToArray()) { Subject = "stage.completed", MessageId = "run1:distill:completed" }, Cancel);

        await bus.SendAsync("events", new BusMessage("repeat"u8.ToArray()) { Subject = "stage.completed", MessageId = "run1:distill:completed" }, Cancel);

        Assert.Equal(["first"], await DrainAsync(bus, "events/subscriptions/all"));
        Assert.Equal(["first"], await DrainAsync(bus, "events/subscriptions/completed"));
    }

    // ---- message content and order ----

    [Fact]
    public async Task ReceivedMessage_BodyAndPropertiesRoundTripExactly()
    {
        var bus = await BusAsync();
        var body = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var sent = new BusMessage(body)
        {
            MessageId = "run42:distill:1",
            CorrelationId = "run42",
            Subject = "stage.requested",
            ContentType = "application/octet-stream",
        };
        sent.ApplicationProperties["type"] = "stage.requested";
        sent.ApplicationProperties["text"] = "naïve ✓ \"quoted\" {json}";
        sent.ApplicationProperties["empty"] = "";
        sent.ApplicationProperties["attempt"] = 3L;
        sent.ApplicationProperties["big"] = long.MaxValue;
        sent.ApplicationProperties["negative"] = -17L;
        sent.ApplicationProperties["widened"] = 7;
        sent.ApplicationProperties["ratio"] = 0.1;
        sent.ApplicationProperties["scale"] = -2.5e-8;
        sent.ApplicationProperties["urgent"] = true;
        sent.ApplicationProperties["cached"] = false;

        await bus.SendAsync("work", sent, Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(received);
        Assert.Equal(body, received.Body.ToArray());
        Assert.Equal("run42:distill:1", received.MessageId);
        Assert.Equal("run42", received.CorrelationId);
        Assert.Equal("stage.requested", received.Subject);
        Assert.Equal("application/octet-stream", received.ContentType);
        var expected = new Dictionary<string, object>
        {
            ["type"] = "stage.requested",
            ["text"] = "naïve ✓ \"quoted\" {json}",
            ["empty"] = "",
            ["attempt"] = 3L,
            ["big"] = long.MaxValue,
            ["negative"] = -17L,
            ["widened"] = 7L,
            ["ratio"] = 0.1,
            ["scale"] = -2.5e-8,
            ["urgent"] = true,
            ["cached"] = false,
        };
        Assert.Equal(expected.Count, received.ApplicationProperties.Count);
        foreach (var (name, value) in expected)
        {
            Assert.True(received.ApplicationProperties.TryGetValue(name, out var actual), $"property {name} is missing");
            Assert.Equal(value.GetType(), actual.GetType());
            Assert.Equal(value, actual);
        }
        Assert.Equal(3L, received.ApplicationProperties["ATTEMPT"]);
    }

    [Fact]
    public async Task ReceivedMessage_WithoutOptionalProperties_HasNullsAndEmptyBody()
    {
        var bus = await BusAsync();

        await bus.SendAsync("work", new BusMessage(), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(received);
        Assert.True(received.Body.IsEmpty);
        Assert.Null(received.CorrelationId);
        Assert.Null(received.Subject);
        Assert.Null(received.ContentType);
        Assert.Null(received.ExpiresAt);
        Assert.Empty(received.ApplicationProperties);
    }

    [Fact]
    public async Task BusMessage_FromJson_RoundTripsThroughBodyFromJson()
    {
        var bus = await BusAsync();
        var request = new StageRequest("run7", "distill", 2, ["uploads/run7/teacher/", "uploads/run7/data/"]);

        await bus.SendAsync("work", BusMessage.FromJson(request, MessagingTestJsonContext.Default.StageRequest), Cancel);
        var received = await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel);

        Assert.NotNull(received);
        Assert.Equal("application/json", received.ContentType);
        var back = received.BodyFromJson(MessagingTestJsonContext.Default.StageRequest);
        Assert.Equal(request.RunId, back.RunId);
        Assert.Equal(request.Stage, back.Stage);
        Assert.Equal(request.Attempt, back.Attempt);
        Assert.Equal(request.Inputs, back.Inputs);
    }

    [Fact]
    public async Task ReceiveAsync_SeveralVisible_ReturnsThemInSendOrderWithIncreasingSequenceNumbers()
    {
        var bus = await BusAsync();
        await bus.SendAsync("work", BusMessage.FromText("0"), Cancel);
        await bus.SendBatchAsync("work", [BusMessage.FromText("1"), BusMessage.FromText("2")], Cancel);
        await bus.SendAsync("work", BusMessage.FromText("3"), Cancel);
        await bus.SendAsync("work", BusMessage.FromText("4"), Cancel);

        var received = new List<ReceivedBusMessage>();
        while (await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel) is { } message)
        {
            received.Add(message);
        }

        Assert.Equal(["0", "1", "2", "3", "4"], received.Select(m => m.BodyToString()));
        for (var i = 1; i < received.Count; i++)
        {
            Assert.True(received[i].SequenceNumber > received[i - 1].SequenceNumber);
        }
    }

    [Fact]
    public async Task ReceiveAsync_EntityNamesIgnoreCase()
    {
        var bus = await BusAsync();

        await bus.SendAsync("Work", BusMessage.FromText("cased"), Cancel);
        var received = await bus.ReceiveAsync("WORK", TimeSpan.Zero, Cancel);

        Assert.Equal("cased", received?.BodyToString());
    }

    // ---- errors ----

    [Theory]
    [InlineData("nope")]
    [InlineData("events/subscriptions/all")]
    [InlineData("work/$deadletterqueue")]
    public async Task SendAsync_NotAQueueOrTopic_ThrowsEntityNotFoundNamingIt(string entity)
    {
        var bus = await BusAsync();

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.SendAsync(entity, BusMessage.FromText("x"), Cancel));

        Assert.Equal(MessagingErrorReason.EntityNotFound, error.Reason);
        Assert.Equal(entity, error.EntityPath);
        Assert.Contains(entity, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("events")]
    [InlineData("events/subscriptions/nope")]
    [InlineData("nope/$deadletterqueue")]
    [InlineData("work/extra/segments")]
    public async Task ReceiveAsync_NotAQueueOrSubscription_ThrowsEntityNotFoundNamingIt(string path)
    {
        var bus = await BusAsync();

        var error = await Assert.ThrowsAsync<MessagingException>(() => bus.ReceiveAsync(path, TimeSpan.Zero, Cancel));

        Assert.Equal(MessagingErrorReason.EntityNotFound, error.Reason);
        Assert.Equal(path, error.EntityPath);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_InvalidMessage_ThrowsListingEveryProblemAndSendsNothing()
    {
        var bus = await BusAsync();
        var message = new BusMessage { MessageId = new string('x', BusMessage.MaxMessageIdLength + 1), TimeToLive = TimeSpan.Zero };
        message.ApplicationProperties["has space"] = "v";
        message.ApplicationProperties["when"] = DateTime.UnixEpoch;
        message.ApplicationProperties["nan"] = double.NaN;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => bus.SendAsync("work", message, Cancel));

        Assert.Contains("message id", error.Message, StringComparison.Ordinal);
        Assert.Contains("TimeToLive", error.Message, StringComparison.Ordinal);
        Assert.Contains("'has space'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'when' is a DateTime", error.Message, StringComparison.Ordinal);
        Assert.Contains("'nan'", error.Message, StringComparison.Ordinal);
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("authorization")]
    [InlineData("BrokerProperties")]
    [InlineData("DeadLetterReason")]
    [InlineData("x-ms-client-request-id")]
    public async Task SendAsync_PropertyNamedLikeAnHttpOrBrokerHeader_ThrowsAndSendsNothing(string name)
    {
        var bus = await BusAsync();
        var message = BusMessage.FromText("x");
        message.ApplicationProperties[name] = "value";

        var error = await Assert.ThrowsAsync<ArgumentException>(() => bus.SendAsync("work", message, Cancel));

        Assert.Contains($"'{name}' is reserved", error.Message, StringComparison.Ordinal);
        Assert.Null(await bus.ReceiveAsync("work", TimeSpan.Zero, Cancel));
    }

    // ---- helpers ----

    private static Task SettleAsync(IMessageBus bus, ReceivedBusMessage message, string operation) => operation switch
    {
        "complete" => bus.CompleteAsync(message, Cancel),
        "abandon" => bus.AbandonAsync(message, cancellationToken: Cancel),
        "renew" => bus.RenewLockAsync(message, Cancel),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "complete, abandon or renew"),
    };

    /// <summary>Receives and completes everything visible, returning the bodies as text in order.</summary>
    private static async Task<List<string>> DrainAsync(IMessageBus bus, string path)
    {
        var bodies = new List<string>();
        while (await bus.ReceiveAsync(path, TimeSpan.Zero, Cancel) is { } message)
        {
            bodies.Add(message.BodyToString());
            await bus.CompleteAsync(message, Cancel);
        }
        return bodies;
    }

    /// <summary>Moves the clock in steps until a waiting receive returns (a bus may poll on its clock).</summary>
    private async Task<ReceivedBusMessage?> AdvanceUntilDoneAsync(Task<ReceivedBusMessage?> receive, TimeSpan step)
    {
        for (var i = 0; i < 200 && !receive.IsCompleted; i++)
        {
            await Task.WhenAny(receive, Task.Delay(10, Cancel));
            if (!receive.IsCompleted)
            {
                await AdvanceTimeAsync(step);
            }
        }
        return await receive.WaitAsync(s_realTimeLimit, Cancel);
    }

    private static void AssertClose(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.True((actual - expected).Duration() <= s_tolerance, $"expected about {expected:O}, got {actual:O}");
}
