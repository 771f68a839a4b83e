using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Distill.Pipeline.Messaging;

/// <summary>
/// The local bus: one SQLite database file (WAL mode) that any number of processes on the machine open with the
/// same topology. Every operation is one immediate (write-locked) transaction, so a receive's claim (pick the
/// first visible message, lock it, count the delivery) is atomic across processes, and everything survives a
/// crash: a message whose holder died reappears when its lock expires, its delivery count kept.
/// </summary>
public sealed class SqliteMessageBus : IMessageBus
{
    private readonly BusTopology _topology;
    private readonly TimeProvider _time;
    private readonly SqliteMessageBusOptions _options;
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LocalSendSignal _signal;
    private bool _disposed;

    /// <summary>Opens (creating if needed) the bus database at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a bus database, or has a newer schema.</exception>
    public SqliteMessageBus(string path, BusTopology topology, TimeProvider timeProvider, SqliteMessageBusOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _topology = topology;
        _time = timeProvider;
        _options = options ?? new SqliteMessageBusOptions();
        if (_options.PollInterval <= TimeSpan.Zero || _options.BusyTimeout <= TimeSpan.Zero || _options.MaxMessageSizeBytes <= 0)
        {
            throw new ArgumentException("PollInterval, BusyTimeout and MaxMessageSizeBytes must be more than zero", nameof(options));
        }
        DatabasePath = Path.GetFullPath(path);
        if (Path.GetDirectoryName(DatabasePath) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        }.ToString();
        _connection = new SqliteConnection(connectionString);
        try
        {
            _connection.Open();
            var busyMilliseconds = (long)_options.BusyTimeout.TotalMilliseconds;
            Execute($"PRAGMA busy_timeout = {busyMilliseconds};");
            var journal = Convert.ToString(ExecuteScalar("PRAGMA journal_mode = WAL;"), CultureInfo.InvariantCulture);
            if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{DatabasePath}: SQLite could not switch the database to WAL mode (journal mode is '{journal}'); put it on a local file system");
            }
            Execute(_options.FlushEveryCommit ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            SqliteBusSchema.EnsureCreated(_connection, DatabasePath);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
        _signal = LocalSendSignal.Acquire(DatabasePath);
    }

    /// <summary>The database file's full path.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc/>
    public Task SendAsync(string entityName, BusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendBatchAsync(entityName, [message], cancellationToken);
    }

    /// <inheritdoc/>
    public async Task SendBatchAsync(string entityName, IReadOnlyList<BusMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var target = _topology.GetSendTarget(entityName);
        var outgoing = messages.Select(OutgoingMessage.From).ToList();
        CheckSize(target, outgoing);
        bool enqueued;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            enqueued = Send(target, outgoing);
        }
        finally
        {
            _gate.Release();
        }
        if (enqueued)
        {
            _signal.Pulse();
        }
    }

    /// <inheritdoc/>
    public async Task<ReceivedBusMessage?> ReceiveAsync(string entityPath, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var (entity, deadLetter) = _topology.GetReceiveSource(entityPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        var start = _time.GetUtcNow();
        var deadline = maxWait >= DateTimeOffset.MaxValue - start ? DateTimeOffset.MaxValue : start + maxWait;
        while (true)
        {
            // Read the signal before looking, so a send between the look and the wait still wakes us.
            var sent = _signal.Next;
            var message = await LockedAsync(() => TryReceive(entity, deadLetter), cancellationToken).ConfigureAwait(false);
            if (message is not null)
            {
                return message;
            }
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }
            using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pause = Task.Delay(remaining < _options.PollInterval ? remaining : _options.PollInterval, _time, stopDelay.Token);
            await Task.WhenAny(pause, sent).ConfigureAwait(false);
            await stopDelay.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <inheritdoc/>
    public Task CompleteAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        _topology.GetReceiveSource(message.EntityPath);
        return LockedAsync(() =>
        {
            var now = _time.GetUtcNow();
            using var transaction = _connection.BeginTransaction(deferred: false);
            var deleted = Execute(
                transaction,
                "DELETE FROM messages WHERE sequence_number = $seq AND lock_token = $token AND locked_until > $now;",
                ("$seq", message.SequenceNumber), ("$token", message.LockToken), ("$now", now.UtcTicks));
            if (deleted == 0)
            {
                throw LockLost(transaction, message, now, "complete");
            }
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task AbandonAsync(ReceivedBusMessage message, TimeSpan redeliveryDelay = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(redeliveryDelay, TimeSpan.Zero);
        var (entity, _) = _topology.GetReceiveSource(message.EntityPath);
        await LockedAsync(() =>
        {
            var now = _time.GetUtcNow();
            var visibleAt = redeliveryDelay >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + redeliveryDelay;
            using var transaction = _connection.BeginTransaction(deferred: false);
            using var command = Command(
                transaction,
                """
                UPDATE messages SET lock_token = NULL, locked_until = NULL, visible_at = $visible
                WHERE sequence_number = $seq AND lock_token = $token AND locked_until > $now
                RETURNING delivery_count, dead_lettered;
                """,
                ("$visible", visibleAt.UtcTicks), ("$seq", message.SequenceNumber), ("$token", message.LockToken), ("$now", now.UtcTicks));
            int deliveryCount;
            bool deadLettered;
            using (var reader = command.ExecuteReader())
            {
                if (!reader.Read())
                {
                    reader.Close();
                    throw LockLost(transaction, message, now, "abandon");
                }
                deliveryCount = reader.GetInt32(0);
                deadLettered = reader.GetInt64(1) != 0;
            }
            if (!deadLettered && deliveryCount >= entity.MaxDeliveryCount)
            {
                MoveToDeadLetter(transaction, message.SequenceNumber, now, DeadLetterReasons.MaxDeliveryCountExceeded, MaxDeliveryDescription(entity));
            }
            transaction.Commit();
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _signal.Pulse();
    }

    /// <inheritdoc/>
    public async Task<DateTimeOffset> RenewLockAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (entity, _) = _topology.GetReceiveSource(message.EntityPath);
        var lockedUntil = await LockedAsync(() =>
        {
            var now = _time.GetUtcNow();
            var until = now + entity.LockDuration;
            using var transaction = _connection.BeginTransaction(deferred: false);
            var updated = Execute(
                transaction,
                """
                UPDATE messages SET locked_until = $until, visible_at = $until
                WHERE sequence_number = $seq AND lock_token = $token AND locked_until > $now;
                """,
                ("$until", until.UtcTicks), ("$seq", message.SequenceNumber), ("$token", message.LockToken), ("$now", now.UtcTicks));
            if (updated == 0)
            {
                throw LockLost(transaction, message, now, "renew the lock of");
            }
            transaction.Commit();
            return until;
        }, cancellationToken).ConfigureAwait(false);
        message.SetLockedUntil(lockedUntil);
        return lockedUntil;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await _connection.DisposeAsync().ConfigureAwait(false);
            _signal.Release();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<T> LockedAsync<T>(Func<T> operation, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return operation();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void CheckSize(SendTarget target, List<OutgoingMessage> messages)
    {
        long total = 0;
        foreach (var message in messages)
        {
            var size = Size(message);
            total += size;
            if (size > _options.MaxMessageSizeBytes)
            {
                throw new MessagingException(
                    $"message '{message.MessageId}' to {target.Name} is {size} bytes with its properties; the limit is {_options.MaxMessageSizeBytes} (send a blob path instead of the data)",
                    MessagingErrorReason.MessageTooLarge,
                    target.Name);
            }
        }
        if (messages.Count > 1 && total > _options.MaxMessageSizeBytes)
        {
            throw new MessagingException(
                $"the batch of {messages.Count} messages to {target.Name} is {total} bytes; the limit for a batch is {_options.MaxMessageSizeBytes}",
                MessagingErrorReason.MessageTooLarge,
                target.Name);
        }

        static long Size(OutgoingMessage message)
        {
            long size = message.Body.Length + Bytes(message.MessageId) + Bytes(message.CorrelationId) + Bytes(message.Subject) + Bytes(message.ContentType);
            foreach (var (name, value) in message.ApplicationProperties)
            {
                size += Bytes(name) + (value is string s ? Bytes(s) : 8);
            }
            return size;
        }

        static int Bytes(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);
    }

    private bool Send(SendTarget target, List<OutgoingMessage> messages)
    {
        var now = _time.GetUtcNow();
        var enqueuedAny = false;
        using var transaction = _connection.BeginTransaction(deferred: false);
        if (target.DuplicateDetectionWindow is { } window)
        {
            Execute(
                transaction,
                "DELETE FROM duplicate_detection WHERE entity = $entity AND sent_at <= $cutoff;",
                ("$entity", target.Key), ("$cutoff", (now - window).UtcTicks));
        }
        foreach (var message in messages)
        {
            if (target.DuplicateDetectionWindow is not null)
            {
                var fresh = Execute(
                    transaction,
                    "INSERT INTO duplicate_detection (entity, message_id, sent_at) VALUES ($entity, $id, $now) ON CONFLICT DO NOTHING;",
                    ("$entity", target.Key), ("$id", message.MessageId), ("$now", now.UtcTicks));
                if (fresh == 0)
                {
                    continue;
                }
            }
            var enqueuedAt = message.ScheduledEnqueueTime is { } scheduled && scheduled > now ? scheduled : now;
            var properties = ApplicationPropertiesJson.Write(message.ApplicationProperties);
            foreach (var receiver in target.Receivers)
            {
                if (!receiver.Accepts(message.Subject, message.CorrelationId, message.ContentType, message.ApplicationProperties))
                {
                    continue;
                }
                Execute(
                    transaction,
                    """
                    INSERT INTO messages (entity, message_id, correlation_id, subject, content_type, properties, body, enqueued_at, visible_at, expires_at)
                    VALUES ($entity, $id, $correlation, $subject, $contentType, $properties, $body, $enqueued, $enqueued, $expires);
                    """,
                    ("$entity", receiver.Key),
                    ("$id", message.MessageId),
                    ("$correlation", message.CorrelationId),
                    ("$subject", message.Subject),
                    ("$contentType", message.ContentType),
                    ("$properties", properties),
                    ("$body", message.Body),
                    ("$enqueued", enqueuedAt.UtcTicks),
                    ("$expires", message.ExpiresAt(enqueuedAt, target, receiver)?.UtcTicks));
                enqueuedAny = true;
            }
        }
        transaction.Commit();
        return enqueuedAny;
    }

    private ReceivedBusMessage? TryReceive(ReceivableEntity entity, bool deadLetter)
    {
        var now = _time.GetUtcNow();
        // A read without the write lock first: idle receivers in several processes then poll without contending.
        if (!AnythingToDo(entity, deadLetter, now))
        {
            return null;
        }
        using var transaction = _connection.BeginTransaction(deferred: false);
        if (deadLetter)
        {
            SweepToDeadLetter(transaction, entity, now);
        }
        while (true)
        {
            long sequenceNumber;
            int deliveryCount;
            long? expiresAt;
            using (var head = Command(
                transaction,
                """
                SELECT sequence_number, delivery_count, expires_at FROM messages
                WHERE entity = $entity AND dead_lettered = $dead AND visible_at <= $now
                ORDER BY sequence_number LIMIT 1;
                """,
                ("$entity", entity.Key), ("$dead", deadLetter ? 1 : 0), ("$now", now.UtcTicks)))
            using (var reader = head.ExecuteReader())
            {
                if (!reader.Read())
                {
                    reader.Close();
                    transaction.Commit();
                    return null;
                }
                sequenceNumber = reader.GetInt64(0);
                deliveryCount = reader.GetInt32(1);
                expiresAt = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            }
            if (!deadLetter && expiresAt <= now.UtcTicks)
            {
                Expire(transaction, entity, sequenceNumber, now);
                continue;
            }
            if (!deadLetter && deliveryCount >= entity.MaxDeliveryCount)
            {
                MoveToDeadLetter(transaction, sequenceNumber, now, DeadLetterReasons.MaxDeliveryCountExceeded, MaxDeliveryDescription(entity));
                continue;
            }
            var lockedUntil = now + entity.LockDuration;
            using var claim = Command(
                transaction,
                """
                UPDATE messages
                SET delivery_count = delivery_count + 1, lock_token = $token, locked_until = $until, visible_at = $until
                WHERE sequence_number = $seq
                RETURNING message_id, correlation_id, subject, content_type, properties, body, enqueued_at, expires_at,
                          delivery_count, lock_token, locked_until, dead_letter_reason, dead_letter_description;
                """,
                ("$token", Guid.NewGuid().ToString()), ("$until", lockedUntil.UtcTicks), ("$seq", sequenceNumber));
            ReceivedBusMessage message;
            using (var reader = claim.ExecuteReader())
            {
                reader.Read();
                var messageId = reader.GetString(0);
                message = new ReceivedBusMessage
                {
                    EntityPath = deadLetter ? entity.DeadLetterPath : entity.Path,
                    SequenceNumber = sequenceNumber,
                    MessageId = messageId,
                    CorrelationId = reader.IsDBNull(1) ? null : reader.GetString(1),
                    Subject = reader.IsDBNull(2) ? null : reader.GetString(2),
                    ContentType = reader.IsDBNull(3) ? null : reader.GetString(3),
                    ApplicationProperties = ApplicationPropertiesJson.Read(reader.GetString(4), $"{DatabasePath}: message '{messageId}' (sequence {sequenceNumber})"),
                    Body = (byte[])reader.GetValue(5),
                    EnqueuedTime = Time(reader.GetInt64(6)),
                    ExpiresAt = reader.IsDBNull(7) ? null : Time(reader.GetInt64(7)),
                    DeliveryCount = reader.GetInt32(8),
                    LockToken = reader.GetString(9),
                    LockedUntil = Time(reader.GetInt64(10)),
                    DeadLetterReason = reader.IsDBNull(11) ? null : reader.GetString(11),
                    DeadLetterErrorDescription = reader.IsDBNull(12) ? null : reader.GetString(12),
                };
            }
            transaction.Commit();
            return message;
        }
    }

    private bool AnythingToDo(ReceivableEntity entity, bool deadLetter, DateTimeOffset now)
    {
        // For a dead-letter queue, also messages of the entity waiting to be moved there.
        var sql = deadLetter
            ? """
              SELECT EXISTS (SELECT 1 FROM messages WHERE entity = $entity AND visible_at <= $now
                             AND (dead_lettered = 1 OR delivery_count >= $max OR expires_at <= $now));
              """
            : "SELECT EXISTS (SELECT 1 FROM messages WHERE entity = $entity AND dead_lettered = 0 AND visible_at <= $now);";
        using var command = Command(null, sql, ("$entity", entity.Key), ("$now", now.UtcTicks), ("$max", entity.MaxDeliveryCount));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>Moves every message of the entity that may not be delivered again to its dead-letter queue (or drops it if expired and the entity drops expired messages).</summary>
    private void SweepToDeadLetter(SqliteTransaction transaction, ReceivableEntity entity, DateTimeOffset now)
    {
        if (entity.DeadLetterOnMessageExpiration)
        {
            Execute(
                transaction,
                """
                UPDATE messages
                SET dead_lettered = 1, lock_token = NULL, locked_until = NULL, visible_at = $now, dead_letter_reason = $reason, dead_letter_description = $description
                WHERE entity = $entity AND dead_lettered = 0 AND visible_at <= $now AND expires_at <= $now;
                """,
                ("$entity", entity.Key), ("$now", now.UtcTicks), ("$reason", DeadLetterReasons.TimeToLiveExpired), ("$description", ExpiredDescription));
        }
        else
        {
            Execute(
                transaction,
                "DELETE FROM messages WHERE entity = $entity AND dead_lettered = 0 AND visible_at <= $now AND expires_at <= $now;",
                ("$entity", entity.Key), ("$now", now.UtcTicks));
        }
        Execute(
            transaction,
            """
            UPDATE messages
            SET dead_lettered = 1, lock_token = NULL, locked_until = NULL, visible_at = $now, dead_letter_reason = $reason, dead_letter_description = $description
            WHERE entity = $entity AND dead_lettered = 0 AND visible_at <= $now AND delivery_count >= $max;
            """,
            ("$entity", entity.Key), ("$now", now.UtcTicks), ("$max", entity.MaxDeliveryCount),
            ("$reason", DeadLetterReasons.MaxDeliveryCountExceeded), ("$description", MaxDeliveryDescription(entity)));
    }

    private void Expire(SqliteTransaction transaction, ReceivableEntity entity, long sequenceNumber, DateTimeOffset now)
    {
        if (entity.DeadLetterOnMessageExpiration)
        {
            MoveToDeadLetter(transaction, sequenceNumber, now, DeadLetterReasons.TimeToLiveExpired, ExpiredDescription);
        }
        else
        {
            Execute(transaction, "DELETE FROM messages WHERE sequence_number = $seq;", ("$seq", sequenceNumber));
        }
    }

    private void MoveToDeadLetter(SqliteTransaction transaction, long sequenceNumber, DateTimeOffset now, string reason, string description) =>
        Execute(
            transaction,
            """
            UPDATE messages
            SET dead_lettered = 1, lock_token = NULL, locked_until = NULL, visible_at = $now, dead_letter_reason = $reason, dead_letter_description = $description
            WHERE sequence_number = $seq;
            """,
            ("$now", now.UtcTicks), ("$reason", reason), ("$description", description), ("$seq", sequenceNumber));

    private const string ExpiredDescription = "The message expired and was dead lettered.";

    private static string MaxDeliveryDescription(ReceivableEntity entity) =>
        $"Message could not be consumed after {entity.MaxDeliveryCount} delivery attempts.";

    /// <summary>The lock-lost error, saying what happened to the lock.</summary>
    private MessagingException LockLost(SqliteTransaction transaction, ReceivedBusMessage message, DateTimeOffset now, string operation)
    {
        using var command = Command(
            transaction,
            "SELECT lock_token, locked_until, dead_lettered FROM messages WHERE sequence_number = $seq;",
            ("$seq", message.SequenceNumber));
        string what;
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                what = "the message is no longer there (completed, or expired)";
            }
            else if (reader.IsDBNull(0) || !string.Equals(reader.GetString(0), message.LockToken, StringComparison.Ordinal))
            {
                what = reader.GetInt64(2) != 0 && !message.EntityPath.EndsWith(EntityPath.DeadLetterQueueSegment, StringComparison.OrdinalIgnoreCase)
                    ? "the message was dead-lettered"
                    : "the message was abandoned or delivered again since";
            }
            else
            {
                what = $"the lock expired at {Time(reader.GetInt64(1)):O} (now {now:O})";
            }
        }
        return new MessagingException(
            $"cannot {operation} message '{message.MessageId}' (sequence {message.SequenceNumber}) from {message.EntityPath}: the lock is lost: {what}",
            MessagingErrorReason.MessageLockLost,
            message.EntityPath);
    }

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private SqliteCommand Command(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    private int Execute(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private void Execute(string sql)
    {
        using var command = Command(null, sql);
        command.ExecuteNonQuery();
    }

    private object? ExecuteScalar(string sql)
    {
        using var command = Command(null, sql);
        return command.ExecuteScalar();
    }
}
