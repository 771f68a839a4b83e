using Distill.Contracts.Storage;

namespace Distill.Cli.Commands;

/// <summary>`distill submit --json`: the run id, where the upload went, and how much was sent.</summary>
internal sealed record SubmitResult(string RunId, BlobLocation Upload, int Files, long Bytes, string Store);
