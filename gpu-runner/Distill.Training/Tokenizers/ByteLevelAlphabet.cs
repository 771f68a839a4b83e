using System.Text;

namespace Distill.Training.Tokenizers;

/// <summary>
/// GPT-2's bytes_to_unicode: every byte gets a printable character. Bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for
/// themselves; the other 68 bytes, in increasing order, map to U+0100, U+0101, ... (space is 'Ġ', newline 'Ċ').
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private static readonly short[] s_charToByte = BuildCharToByte();

    /// <summary>The 256 characters in code point order (which is also GPT-2's id order for them).</summary>
    public static IReadOnlyList<char> Characters { get; } = s_byteToChar.Order().ToArray();

    public static char ToChar(byte value) => s_byteToChar[value];

    /// <summary>The byte a character stands for, or -1 when it is not in the alphabet.</summary>
    public static int ToByte(char c) => c < s_charToByte.Length ? s_charToByte[c] : -1;

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, each written as its alphabet character.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        var ascii = true;
        foreach (var c in text)
        {
            if (c >= 0x80)
            {
                ascii = false;
                break;
            }
        }
        if (ascii)
        {
            var mapped = text.Length <= 512 ? stackalloc char[text.Length] : new char[text.Length];
            for (var i = 0; i < text.Length; i++)
            {
                mapped[i] = s_byteToChar[text[i]];
            }
            return new string(mapped);
        }
        var byteCount = Encoding.UTF8.GetByteCount(text);
        var bytes = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(text, bytes);
        var chars = byteCount <= 512 ? stackalloc char[byteCount] : new char[byteCount];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = s_byteToChar[bytes[i]];
        }
        return new string(chars);
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x144];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            map[s_byteToChar[b]] = (short)b;
        }
        return map;
    }
}
