namespace Distill.Training.Tokenizers;

/// <summary>A <c>decoder</c> component: turns token strings into text pieces; the pieces are then concatenated.</summary>
internal interface ITokenDecoder
{
    List<string> DecodeChain(List<string> tokens);
}
