using System.Text.Json;
using Distill.Contracts.Stages;

namespace Distill.Contracts.Tests.Stages;

public sealed class StageErrorTests
{
    private static readonly StageError s_error = new()
    {
        RunId = "run42",
        Stage = StageNames.Prepare,
        Attempt = 1,
        DeliveryCount = 3,
        Runner = "r1",
        Time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        ErrorType = "IOException",
        Message = "The file '/work/run42-prepare-1' already exists.\nTry again.",
    };

    [Fact]
    public void Json_RoundTripsThroughItsPinnedForm()
    {
        JsonAssert.RoundTrips(s_error, ContractsJsonContext.Default.StageError,
            """{"schemaVersion":1,"runId":"run42","stage":"prepare","attempt":1,"deliveryCount":3,"runner":"r1","time":"2026-01-02T03:04:05+00:00","errorType":"IOException","message":"The file \u0027/work/run42-prepare-1\u0027 already exists.\nTry again."}""");
        Assert.Equal(s_error, StageError.FromJson(s_error.ToJson()));
    }

    [Fact]
    public void Describe_IsOneLine()
    {
        Assert.Equal("the last error (delivery 3, runner r1): IOException: The file '/work/run42-prepare-1' already exists. Try again.", s_error.Describe());
    }

    [Fact]
    public void FromJson_AnotherSchemaVersion_SaysWhatWasBeingRead()
    {
        var json = s_error.ToJson().Replace("\"schemaVersion\": 1", "\"schemaVersion\": 2", StringComparison.Ordinal);

        var error = Assert.ThrowsAny<JsonException>(() => StageError.FromJson(json));

        Assert.Equal("a stage error has schema version 2; this Distill reads version 1", error.Message);
    }
}
