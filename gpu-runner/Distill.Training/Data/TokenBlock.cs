namespace Distill.Training.Data;

/// <summary>
/// One stored block: <see cref="Tokens"/> holds BlockSize + 1 ids (inputs are [0, BlockSize), targets [1, BlockSize]);
/// <see cref="CountsAsTarget"/>[j] tells whether token j counts when predicted (entry 0 is never a target).
/// </summary>
public sealed record TokenBlock(IReadOnlyList<int> Tokens, IReadOnlyList<bool> CountsAsTarget);
