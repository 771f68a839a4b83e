using Microsoft.Data.Sqlite;

namespace Distill.Pipeline.Messaging;

/// <summary>
/// The bus database's tables, created on first open and versioned by <c>PRAGMA user_version</c>; the file is
/// marked as a Distill bus by <c>PRAGMA application_id</c>. Times are UTC ticks.
/// </summary>
internal static class SqliteBusSchema
{
    /// <summary>The schema this build reads and writes.</summary>
    public const int Version = 1;

    /// <summary>"DBUS", marking the file as a Distill bus database.</summary>
    public const int ApplicationId = 0x44425553;

    private const string CreateVersion1 = """
        CREATE TABLE messages (
            sequence_number INTEGER PRIMARY KEY AUTOINCREMENT,
            entity TEXT NOT NULL,                      -- lower-case queue or '{topic}/subscriptions/{name}'
            dead_lettered INTEGER NOT NULL DEFAULT 0,  -- 1: in the entity's $deadletterqueue
            message_id TEXT NOT NULL,
            correlation_id TEXT,
            subject TEXT,
            content_type TEXT,
            properties TEXT NOT NULL,                  -- {"name":{"s"|"l"|"d"|"b":value}}
            body BLOB NOT NULL,
            enqueued_at INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,               -- receivable when <= now: schedule, redelivery delay, lock expiry
            expires_at INTEGER,                        -- NULL: never
            delivery_count INTEGER NOT NULL DEFAULT 0,
            lock_token TEXT,                           -- the current or last lock; valid while locked_until > now
            locked_until INTEGER,
            dead_letter_reason TEXT,
            dead_letter_description TEXT
        );
        CREATE INDEX messages_by_entity ON messages (entity, dead_lettered, sequence_number);
        CREATE TABLE duplicate_detection (
            entity TEXT NOT NULL,                      -- lower-case queue or topic
            message_id TEXT NOT NULL,
            sent_at INTEGER NOT NULL,
            PRIMARY KEY (entity, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX duplicate_detection_by_time ON duplicate_detection (entity, sent_at);
        """;

    /// <summary>Creates the schema in an empty database, or checks an existing one is a bus at this version.</summary>
    /// <exception cref="InvalidDataException">The file is another kind of database, or a newer bus schema; the message names the file.</exception>
    public static void EnsureCreated(SqliteConnection connection, string path)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var applicationId = Scalar(connection, transaction, "PRAGMA application_id;");
        var version = Scalar(connection, transaction, "PRAGMA user_version;");
        if (applicationId != ApplicationId)
        {
            var tables = Scalar(connection, transaction, "SELECT count(*) FROM sqlite_master;");
            if (applicationId != 0 || tables != 0)
            {
                throw new InvalidDataException($"{path} is not a Distill bus database (application id {applicationId}, {tables} schema objects); give the bus a new file");
            }
            Execute(connection, transaction, CreateVersion1);
            Execute(connection, transaction, $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {Version};");
            transaction.Commit();
            return;
        }
        if (version != Version)
        {
            throw new InvalidDataException($"{path} has bus schema version {version}; this build reads version {Version} only");
        }
        transaction.Commit();
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
