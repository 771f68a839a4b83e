using System.Globalization;
using System.Text;

namespace Distill.Training.Tokenizers;

/// <summary>
/// <c>{"type": "ByteFallback"}</c>: each run of <c>&lt;0xXX&gt;</c> tokens becomes the text its bytes spell; a run that is
/// not valid UTF-8 becomes one U+FFFD per byte.
/// </summary>
internal sealed class ByteFallbackDecoder : ITokenDecoder
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (TryParseByte(token, out var value))
            {
                pending.Add(value);
                continue;
            }
            Flush(pending, output);
            output.Add(token);
        }
        Flush(pending, output);
        return output;
    }

    private static bool TryParseByte(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static void Flush(List<byte> pending, List<string> output)
    {
        if (pending.Count == 0)
        {
            return;
        }
        try
        {
            output.Add(s_strictUtf8.GetString(pending.ToArray()));
        }
        catch (DecoderFallbackException)
        {
            for (var i = 0; i < pending.Count; i++)
            {
                output.Add("\uFFFD");
            }
        }
        pending.Clear();
    }
}
