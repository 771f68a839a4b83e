namespace Distill.Pipeline.Uploads;

/// <summary>A local file to upload: its path relative to the run folder (with '/', as the blob name under the upload) and its size.</summary>
public sealed record UploadFile(string RelativePath, string FullPath, long Length);
