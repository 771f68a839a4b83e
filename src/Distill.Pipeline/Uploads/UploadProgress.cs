namespace Distill.Pipeline.Uploads;

/// <summary>How far an upload is: bytes and files sent so far, and the file being sent.</summary>
public sealed record UploadProgress(long BytesSent, long TotalBytes, int FilesSent, int TotalFiles, string CurrentFile);
