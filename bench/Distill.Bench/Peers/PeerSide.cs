using System.Text.Json.Nodes;
using Distill.Bench.Measurement;

namespace Distill.Bench.Peers;

/// <summary>
/// A case opened in the peer: "open" sets it up, each "run" times one run with time.perf_counter, "close" returns what
/// it computed and tears it down.
/// </summary>
public sealed class PeerSide : IBenchSide
{
    private readonly PeerProcess _peer;
    private readonly string _name;
    private IReadOnlyDictionary<string, double>? _results;

    private PeerSide(PeerProcess peer, string name)
    {
        _peer = peer;
        _name = name;
    }

    /// <summary>Opens <paramref name="request"/>'s case ("case" names it; the other fields are its settings).</summary>
    public static PeerSide Open(PeerProcess peer, JsonObject request)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(request);
        request["op"] = "open";
        peer.Call(request);
        return new PeerSide(peer, request["case"]?.ToString() ?? "?");
    }

    public void Warmup(int runs, double seconds) =>
        _peer.Call(new JsonObject { ["op"] = "warmup", ["case"] = _name, ["runs"] = runs, ["seconds"] = seconds });

    public double RunTimed()
    {
        var reply = _peer.Call(new JsonObject { ["op"] = "run", ["case"] = _name });
        return reply["seconds"] is JsonValue value && value.TryGetValue<double>(out var seconds) && seconds > 0
            ? seconds
            : throw new PeerException($"the PyTorch peer's reply to a run of case '{_name}' has no positive 'seconds': {reply.ToJsonString()}");
    }

    public IReadOnlyDictionary<string, double> Results()
    {
        if (_results is null)
        {
            var reply = _peer.Call(new JsonObject { ["op"] = "close", ["case"] = _name });
            var results = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (key, node) in reply)
            {
                if (node is JsonValue value && value.TryGetValue<double>(out var number))
                {
                    results[key] = number;
                }
            }
            _results = results;
        }
        return _results;
    }

    /// <summary>Closes the case in the peer if <see cref="Results"/> has not.</summary>
    public void Dispose()
    {
        if (_results is null)
        {
            try
            {
                Results();
            }
            catch (PeerException)
            {
                // The peer is gone or failed; the error that matters has been reported already.
            }
        }
    }
}
