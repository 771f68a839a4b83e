namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "NFC"}</c>: Unicode normalization form C.</summary>
internal sealed class NfcNormalizer : ITokenizerNormalizer
{
    public string Normalize(string text) => UnicodeNfc.Normalize(text);
}
