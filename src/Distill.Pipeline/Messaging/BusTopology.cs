namespace Distill.Pipeline.Messaging;

/// <summary>
/// The queues, topics and subscriptions a bus serves, declared up front as on Service Bus (where Bicep creates
/// them). Sending to or receiving from anything else fails with <see cref="MessagingErrorReason.EntityNotFound"/>.
/// Names ignore case. Limits follow Service Bus, so what works locally deploys.
/// </summary>
public sealed class BusTopology
{
    /// <summary>Service Bus's longest lock.</summary>
    public static readonly TimeSpan MaxLockDuration = TimeSpan.FromMinutes(5);

    /// <summary>Service Bus's longest duplicate-detection window.</summary>
    public static readonly TimeSpan MaxDuplicateDetectionWindow = TimeSpan.FromDays(7);

    private const int MaxEntityNameLength = 260;
    private const int MaxSubscriptionNameLength = 50;

    private readonly Dictionary<string, SendTarget> _sendTargets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ReceivableEntity> _receivables = new(StringComparer.OrdinalIgnoreCase);

    /// <exception cref="InvalidTopologyException">Lists every invalid name, setting, filter and duplicate.</exception>
    public BusTopology(IEnumerable<QueueDefinition> queues, IEnumerable<TopicDefinition>? topics = null)
    {
        ArgumentNullException.ThrowIfNull(queues);
        Queues = [.. queues];
        Topics = [.. topics ?? []];
        var problems = new List<string>();
        foreach (var queue in Queues)
        {
            var where = $"queue '{queue.Name}'";
            CheckName(queue.Name, where, MaxEntityNameLength, problems);
            CheckDelivery(queue.LockDuration, queue.MaxDeliveryCount, queue.DefaultMessageTimeToLive, where, problems);
            CheckWindow(queue.DuplicateDetectionWindow, where, problems);
            var entity = new ReceivableEntity
            {
                Path = queue.Name,
                LockDuration = queue.LockDuration,
                MaxDeliveryCount = queue.MaxDeliveryCount,
                DefaultMessageTimeToLive = queue.DefaultMessageTimeToLive,
                DeadLetterOnMessageExpiration = queue.DeadLetterOnMessageExpiration,
            };
            AddTarget(new SendTarget
            {
                Name = queue.Name,
                IsTopic = false,
                DuplicateDetectionWindow = queue.DuplicateDetectionWindow,
                Receivers = [entity],
            }, problems);
            _receivables.TryAdd(entity.Path, entity);
        }
        foreach (var topic in Topics)
        {
            var where = $"topic '{topic.Name}'";
            CheckName(topic.Name, where, MaxEntityNameLength, problems);
            CheckWindow(topic.DuplicateDetectionWindow, where, problems);
            CheckTimeToLive(topic.DefaultMessageTimeToLive, where, problems);
            var subscriptions = new List<ReceivableEntity>();
            foreach (var subscription in topic.Subscriptions)
            {
                var subWhere = $"subscription '{topic.Name}/{subscription.Name}'";
                CheckName(subscription.Name, subWhere, MaxSubscriptionNameLength, problems);
                CheckDelivery(subscription.LockDuration, subscription.MaxDeliveryCount, subscription.DefaultMessageTimeToLive, subWhere, problems);
                for (var i = 0; i < subscription.Filters.Count; i++)
                {
                    problems.AddRange(subscription.Filters[i].Problems($"{subWhere} filter {i + 1}"));
                }
                var entity = new ReceivableEntity
                {
                    Path = EntityPath.Subscription(topic.Name, subscription.Name),
                    LockDuration = subscription.LockDuration,
                    MaxDeliveryCount = subscription.MaxDeliveryCount,
                    DefaultMessageTimeToLive = subscription.DefaultMessageTimeToLive,
                    DeadLetterOnMessageExpiration = subscription.DeadLetterOnMessageExpiration,
                    Filters = subscription.Filters,
                };
                if (_receivables.TryAdd(entity.Path, entity))
                {
                    subscriptions.Add(entity);
                }
                else
                {
                    problems.Add($"{subWhere} is declared twice (names ignore case)");
                }
            }
            AddTarget(new SendTarget
            {
                Name = topic.Name,
                IsTopic = true,
                DuplicateDetectionWindow = topic.DuplicateDetectionWindow,
                DefaultMessageTimeToLive = topic.DefaultMessageTimeToLive,
                Receivers = subscriptions,
            }, problems);
        }
        if (problems.Count > 0)
        {
            throw new InvalidTopologyException(problems);
        }
    }

    public IReadOnlyList<QueueDefinition> Queues { get; }

    public IReadOnlyList<TopicDefinition> Topics { get; }

    /// <summary>The queue or topic named <paramref name="entityName"/>.</summary>
    /// <exception cref="MessagingException">No such queue or topic (<see cref="MessagingErrorReason.EntityNotFound"/>).</exception>
    internal SendTarget GetSendTarget(string entityName)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityName);
        if (_sendTargets.TryGetValue(entityName, out var target))
        {
            return target;
        }
        var hint = entityName.Contains('/', StringComparison.Ordinal)
            ? "; send to a queue or a topic by name, not to a subscription or dead-letter queue"
            : "";
        throw NotFound(entityName, $"no queue or topic '{entityName}' in the bus topology{hint} ({Declared()})");
    }

    /// <summary>The queue or subscription a receive path names, and whether it names its dead-letter queue.</summary>
    /// <exception cref="MessagingException">The path names nothing receivable (<see cref="MessagingErrorReason.EntityNotFound"/>).</exception>
    internal (ReceivableEntity Entity, bool DeadLetter) GetReceiveSource(string entityPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityPath);
        var path = entityPath;
        var deadLetter = false;
        var suffix = "/" + EntityPath.DeadLetterQueueSegment;
        if (path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        {
            deadLetter = true;
            path = path[..^suffix.Length];
        }
        if (_receivables.TryGetValue(path, out var entity))
        {
            return (entity, deadLetter);
        }
        if (_sendTargets.TryGetValue(path, out var target) && target.IsTopic)
        {
            var example = target.Receivers.Count > 0 ? target.Receivers[0].Path : EntityPath.Subscription(target.Name, "{subscription}");
            throw NotFound(entityPath, $"'{entityPath}' is a topic; receive from one of its subscriptions, such as '{example}'");
        }
        throw NotFound(entityPath, $"'{entityPath}' names no queue or subscription in the bus topology ({Declared()})");
    }

    private static MessagingException NotFound(string path, string message) =>
        new(message, MessagingErrorReason.EntityNotFound, path);

    private string Declared()
    {
        var queues = _sendTargets.Values.Where(t => !t.IsTopic).Select(t => t.Name).ToList();
        var subscriptions = _receivables.Values.Where(r => r.Path.Contains('/', StringComparison.Ordinal)).Select(r => r.Path).ToList();
        var topics = _sendTargets.Values.Where(t => t.IsTopic).Select(t => t.Name).ToList();
        return $"queues: {List(queues)}; topics: {List(topics)}; subscriptions: {List(subscriptions)}";

        static string List(List<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);
    }

    private void AddTarget(SendTarget target, List<string> problems)
    {
        if (!_sendTargets.TryAdd(target.Name, target))
        {
            problems.Add($"'{target.Name}' is declared more than once among queues and topics (names ignore case)");
        }
    }

    private static void CheckName(string name, string where, int maxLength, List<string> problems)
    {
        if (string.IsNullOrEmpty(name))
        {
            problems.Add($"{where}: the name is empty");
            return;
        }
        if (name.Length > maxLength)
        {
            problems.Add($"{where}: the name is {name.Length} characters long; the limit is {maxLength}");
        }
        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            problems.Add($"{where}: the name must start and end with a letter or digit");
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                problems.Add($"{where}: the name has the character '{c}'; use letters, digits, '.', '-' and '_'");
                break;
            }
        }
    }

    private static void CheckDelivery(TimeSpan lockDuration, int maxDeliveryCount, TimeSpan? timeToLive, string where, List<string> problems)
    {
        if (lockDuration <= TimeSpan.Zero || lockDuration > MaxLockDuration)
        {
            problems.Add($"{where}: LockDuration is {lockDuration}; it must be more than zero and at most {MaxLockDuration} (Service Bus's limit)");
        }
        if (maxDeliveryCount < 1)
        {
            problems.Add($"{where}: MaxDeliveryCount is {maxDeliveryCount}; it must be at least 1");
        }
        CheckTimeToLive(timeToLive, where, problems);
    }

    private static void CheckTimeToLive(TimeSpan? timeToLive, string where, List<string> problems)
    {
        if (timeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            problems.Add($"{where}: DefaultMessageTimeToLive is {ttl}; it must be more than zero (or null for none)");
        }
    }

    private static void CheckWindow(TimeSpan? window, string where, List<string> problems)
    {
        if (window is { } w && (w <= TimeSpan.Zero || w > MaxDuplicateDetectionWindow))
        {
            problems.Add($"{where}: DuplicateDetectionWindow is {w}; it must be more than zero and at most {MaxDuplicateDetectionWindow} (or null for none)");
        }
    }
}
