using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>Stamps every attempt with x-ms-date, which Blob Storage wants on every authorized request.</summary>
internal sealed class DateHeaderPolicy(TimeProvider timeProvider) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message) =>
        message.Request.Headers.SetValue("x-ms-date", timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture));
}
