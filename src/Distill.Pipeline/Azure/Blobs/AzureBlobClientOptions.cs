using Azure.Core;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// How <see cref="AzureBlobStore"/> sends requests: Azure.Core's pipeline settings (<see cref="ClientOptions.Retry"/>,
/// transport, diagnostics) and the transfer sizes. Transient failures (408, 429, 500, 502, 503, 504 and network
/// errors) are retried by Azure.Core's retry policy in that pipeline, and nowhere else.
/// </summary>
public sealed class AzureBlobClientOptions : ClientOptions
{
    /// <summary>The Blob REST API version every request is sent with (x-ms-version); Azurite 3.29 and later accept it.</summary>
    public const string ServiceVersion = "2024-11-04";

    /// <summary>The largest <see cref="SingleUploadThreshold"/> and <see cref="BlockSize"/>: both are held in memory.</summary>
    public const int MaxBufferSize = 256 * 1024 * 1024;

    /// <summary>The most blocks a blob can commit (Azure's limit).</summary>
    public const int MaxBlockCount = 50_000;

    /// <summary>The most blobs one List Blobs page may hold (Azure's limit).</summary>
    public const int MaxListPageSize = 5000;

    public AzureBlobClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 5;
        Retry.Delay = TimeSpan.FromSeconds(0.8);
        Retry.MaxDelay = TimeSpan.FromMinutes(1);
        foreach (var header in (string[])["x-ms-error-code", "x-ms-blob-type", "x-ms-range", "Content-Range", "x-ms-lease-action", "x-ms-lease-state", "x-ms-lease-status", "x-ms-lease-time"])
        {
            Diagnostics.LoggedHeaderNames.Add(header);
        }
        foreach (var parameter in (string[])["restype", "comp", "prefix", "maxresults", "include", "blockid"])
        {
            Diagnostics.LoggedQueryParameters.Add(parameter);
        }
    }

    /// <summary>Content of up to this many bytes is written with one Put Blob; longer content in blocks. Default 8 MiB.</summary>
    public int SingleUploadThreshold { get; set; } = 8 * 1024 * 1024;

    /// <summary>The size of each staged block (Put Block) of a longer upload. Default 8 MiB.</summary>
    public int BlockSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// How many blocks of one upload are sent at once. A staged upload holds at most this many blocks in memory, plus
    /// the first <see cref="SingleUploadThreshold"/> bytes until they are cut into blocks. Default 4.
    /// </summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>How many blobs one List Blobs request asks for (maxresults), 1 to 5000. Default 5000.</summary>
    public int ListPageSize { get; set; } = MaxListPageSize;

    /// <summary>The transfer sizes, or an <see cref="ArgumentException"/> listing every one out of range.</summary>
    internal AzureBlobTransferSizes ValidatedSizes()
    {
        var problems = new List<string>();
        if (SingleUploadThreshold is < 1 or > MaxBufferSize)
        {
            problems.Add($"SingleUploadThreshold is {SingleUploadThreshold}, not between 1 and {MaxBufferSize} bytes");
        }
        if (BlockSize is < 1 or > MaxBufferSize)
        {
            problems.Add($"BlockSize is {BlockSize}, not between 1 and {MaxBufferSize} bytes");
        }
        if (MaxConcurrency is < 1 or > 64)
        {
            problems.Add($"MaxConcurrency is {MaxConcurrency}, not between 1 and 64");
        }
        if (ListPageSize is < 1 or > MaxListPageSize)
        {
            problems.Add($"ListPageSize is {ListPageSize}, not between 1 and {MaxListPageSize}");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Azure blob client options are invalid: {string.Join("; ", problems)}");
        }
        return new AzureBlobTransferSizes(SingleUploadThreshold, BlockSize, MaxConcurrency, ListPageSize);
    }
}
