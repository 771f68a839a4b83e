using Distill.Pipeline.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Messaging;

/// <summary>What the SQLite bus adds to the conformance suite: its file, schema, limits and in-process wake-up.</summary>
public sealed class SqliteMessageBusTests : IDisposable
{
    private static readonly BusTopology s_topology = new([new QueueDefinition("stages") { LockDuration = TimeSpan.FromSeconds(30) }]);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TemporaryDirectory _directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string DatabasePath => _directory.File("bus.db");

    [Fact]
    public async Task Reopen_AfterDispose_KeepsMessagesLocksAndDeliveryCounts()
    {
        await using (var first = new SqliteMessageBus(DatabasePath, s_topology, _time))
        {
            await first.SendAsync("stages", BusMessage.FromText("held").WithId("a"), Cancel);
            await first.SendAsync("stages", BusMessage.FromText("waiting").WithId("b"), Cancel);
            var held = await first.ReceiveAsync("stages", TimeSpan.Zero, Cancel);
            Assert.Equal("a", held?.MessageId);
        }

        await using var second = new SqliteMessageBus(DatabasePath, s_topology, _time);
        var waiting = await second.ReceiveAsync("stages", TimeSpan.Zero, Cancel);
        Assert.Equal("b", waiting?.MessageId);
        Assert.Equal(1, waiting?.DeliveryCount);
        Assert.Null(await second.ReceiveAsync("stages", TimeSpan.Zero, Cancel));
        _time.Advance(TimeSpan.FromSeconds(31));
        var redelivered = await second.ReceiveAsync("stages", TimeSpan.Zero, Cancel);
        Assert.Equal("a", redelivered?.MessageId);
        Assert.Equal("held", redelivered?.BodyToString());
        Assert.Equal(2, redelivered?.DeliveryCount);
    }

    [Fact]
    public async Task Open_NewFile_CreatesVersionedSchemaInWalMode()
    {
        await using (new SqliteMessageBus(_directory.File("nested/folder/bus.db"), s_topology, _time))
        {
        }

        using var connection = new SqliteConnection($"Data Source={_directory.File("nested/folder/bus.db")};Pooling=False");
        connection.Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal(1L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(0x44425553L, Scalar(connection, "PRAGMA application_id;"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'messages';"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'duplicate_detection';"));
    }

    [Fact]
    public async Task Open_NewerSchemaVersion_ThrowsNamingFileAndVersion()
    {
        await using (new SqliteMessageBus(DatabasePath, s_topology, _time))
        {
        }
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            Scalar(connection, "PRAGMA user_version = 2;");
        }

        var error = Assert.Throws<InvalidDataException>(() => new SqliteMessageBus(DatabasePath, s_topology, _time));

        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AnotherApplicationsDatabase_ThrowsNamingFile()
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            Scalar(connection, "CREATE TABLE accounts (id INTEGER);");
        }

        var error = Assert.Throws<InvalidDataException>(() => new SqliteMessageBus(DatabasePath, s_topology, _time));

        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a Distill bus database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_MessageOverSizeLimit_ThrowsMessageTooLargeAndSendsNothing()
    {
        await using var bus = new SqliteMessageBus(DatabasePath, s_topology, _time, new SqliteMessageBusOptions { MaxMessageSizeBytes = 1024 });

        var error = await Assert.ThrowsAsync<MessagingException>(
            () => bus.SendBatchAsync("stages", [BusMessage.FromText("small"), new BusMessage(new byte[1100])], Cancel));

        Assert.Equal(MessagingErrorReason.MessageTooLarge, error.Reason);
        Assert.Equal("stages", error.EntityPath);
        Assert.Contains("1024", error.Message, StringComparison.Ordinal);
        Assert.Null(await bus.ReceiveAsync("stages", TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task ReceiveAsync_WaitingWhileAnotherBusInProcessSends_WakesWithoutWaitingForPoll()
    {
        var slowPoll = new SqliteMessageBusOptions { PollInterval = TimeSpan.FromHours(1) };
        await using var receiver = new SqliteMessageBus(DatabasePath, s_topology, _time, slowPoll);
        await using var sender = new SqliteMessageBus(DatabasePath, s_topology, _time, slowPoll);
        var receive = receiver.ReceiveAsync("stages", TimeSpan.FromHours(2), Cancel);
        await Task.WhenAny(receive, Task.Delay(50, Cancel));
        Assert.False(receive.IsCompleted);

        await sender.SendAsync("stages", BusMessage.FromText("wake up"), Cancel);
        var received = await receive.WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        Assert.Equal("wake up", received?.BodyToString());
    }

    [Fact]
    public async Task Operations_AfterDispose_ThrowObjectDisposed()
    {
        var bus = new SqliteMessageBus(DatabasePath, s_topology, _time);
        await bus.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => bus.SendAsync("stages", BusMessage.FromText("late"), Cancel));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => bus.ReceiveAsync("stages", TimeSpan.Zero, Cancel));
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
