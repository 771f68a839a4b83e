namespace Distill.Training.Tokenizers;

/// <summary>What merging a pair of token ids gives: its rank (position in the merge list) and the merged token's id.</summary>
internal readonly record struct BpeMerge(int Rank, int NewId);
