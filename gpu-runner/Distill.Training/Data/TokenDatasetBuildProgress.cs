namespace Distill.Training.Data;

/// <summary>
/// How far tokenizing has come: files finished of all files, input bytes read of all bytes (the measure for a
/// progress bar), and documents and tokens produced so far.
/// </summary>
public sealed record TokenDatasetBuildProgress(int FilesDone, int Files, long BytesRead, long Bytes, long Documents, long Tokens);
