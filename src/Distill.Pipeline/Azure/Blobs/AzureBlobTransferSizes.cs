namespace Distill.Pipeline.Azure.Blobs;

/// <summary>The transfer sizes of <see cref="AzureBlobClientOptions"/>, validated and copied when a store is made (the options stay mutable).</summary>
internal sealed record AzureBlobTransferSizes(int SingleUploadThreshold, int BlockSize, int MaxConcurrency, int ListPageSize);
