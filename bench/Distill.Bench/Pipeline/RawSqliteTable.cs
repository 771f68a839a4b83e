using Microsoft.Data.Sqlite;

namespace Distill.Bench.Pipeline;

/// <summary>
/// The least a durable SQLite queue does per message, the bus's peer: one table, each operation one immediate
/// transaction (insert; select the first unclaimed row and claim it; delete it), on a connection set up as the bus sets
/// its own (WAL, <c>synchronous=FULL</c>, the busy timeout, no pooling), with statements prepared once.
/// </summary>
public sealed class RawSqliteTable : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _head;
    private readonly SqliteCommand _claim;
    private readonly SqliteCommand _delete;

    public RawSqliteTable(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        _connection.Open();
        Execute("PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
        Execute("CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL, claimed INTEGER NOT NULL DEFAULT 0);");
        _begin = Prepare("BEGIN IMMEDIATE;");
        _commit = Prepare("COMMIT;");
        _insert = Prepare("INSERT INTO queue (body) VALUES ($body);", "$body");
        _head = Prepare("SELECT id, body FROM queue WHERE claimed = 0 ORDER BY id LIMIT 1;");
        _claim = Prepare("UPDATE queue SET claimed = 1 WHERE id = $id;", "$id");
        _delete = Prepare("DELETE FROM queue WHERE id = $id;", "$id");
    }

    /// <summary>Inserts the bodies in one transaction.</summary>
    public void Insert(IReadOnlyList<byte[]> bodies)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        _begin.ExecuteNonQuery();
        foreach (var body in bodies)
        {
            _insert.Parameters[0].Value = body;
            _insert.ExecuteNonQuery();
        }
        _commit.ExecuteNonQuery();
    }

    /// <summary>Selects the first unclaimed row and claims it in one transaction; null when there is none.</summary>
    public (long Id, byte[] Body)? Claim()
    {
        _begin.ExecuteNonQuery();
        long id;
        byte[] body;
        using (var reader = _head.ExecuteReader())
        {
            if (!reader.Read())
            {
                reader.Close();
                _commit.ExecuteNonQuery();
                return null;
            }
            id = reader.GetInt64(0);
            body = (byte[])reader.GetValue(1);
        }
        _claim.Parameters[0].Value = id;
        _claim.ExecuteNonQuery();
        _commit.ExecuteNonQuery();
        return (id, body);
    }

    public void Delete(long id)
    {
        _begin.ExecuteNonQuery();
        _delete.Parameters[0].Value = id;
        _delete.ExecuteNonQuery();
        _commit.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in new[] { _begin, _commit, _insert, _head, _claim, _delete })
        {
            command.Dispose();
        }
        _connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }
        command.Prepare();
        return command;
    }
}
