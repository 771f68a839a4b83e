namespace Distill.Training.Tokenizers;

/// <summary>A piece of text on its way to the model; <see cref="AtStart"/> when it begins at the start of the input.</summary>
internal readonly record struct PreToken(string Text, bool AtStart);
