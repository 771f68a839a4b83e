using System.Text;

namespace Distill.Training.Tokenizers;

/// <summary>
/// <c>{"type": "ByteLevel"}</c>: maps the byte-level alphabet back to bytes (a token with characters outside it, such
/// as an added token, contributes its own UTF-8) and decodes the whole run as UTF-8, invalid sequences becoming U+FFFD.
/// </summary>
internal sealed class ByteLevelDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            var start = bytes.Count;
            var mapped = true;
            foreach (var c in token)
            {
                var value = ByteLevelAlphabet.ToByte(c);
                if (value < 0)
                {
                    mapped = false;
                    break;
                }
                bytes.Add((byte)value);
            }
            if (!mapped)
            {
                bytes.RemoveRange(start, bytes.Count - start);
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
        }
        return [Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))];
    }
}
