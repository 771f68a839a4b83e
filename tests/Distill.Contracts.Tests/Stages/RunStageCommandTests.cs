using System.Text.Json;
using Distill.Contracts.Stages;

namespace Distill.Contracts.Tests.Stages;

public sealed class RunStageCommandTests
{
    private static readonly DateTimeOffset s_issuedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Create_FillsTheUploadAndTheDeterministicMessageId()
    {
        var command = RunStageCommand.Create("run42", StageNames.Distill, 2, s_issuedAt, "ab12");

        Assert.Equal("run42:distill:2", command.MessageId);
        Assert.Equal("uploads/run42", command.Upload.ToString());
        Assert.Equal(RunStageCommand.CurrentSchemaVersion, command.SchemaVersion);
    }

    [Fact]
    public void Json_RoundTripsThroughItsPinnedForm()
    {
        var command = RunStageCommand.Create("run42", StageNames.TedTeacherFilters, 1, s_issuedAt, "ab12");

        JsonAssert.RoundTrips(command, ContractsJsonContext.Default.RunStageCommand,
            """{"schemaVersion":1,"runId":"run42","stage":"ted-teacher-filters","attempt":1,"issuedAt":"2026-01-02T03:04:05+00:00","upload":{"container":"uploads","name":"run42"},"manifestSha256":"ab12"}""");
        Assert.Equal(command.ToJson(), RunStageCommand.FromJson(command.ToJson()).ToJson());
    }

    [Fact]
    public void FromJson_FieldsOfANewerWriter_AreSkipped()
    {
        var json = """{"schemaVersion":1,"runId":"r","stage":"distill","attempt":1,"issuedAt":"2026-01-02T03:04:05+00:00","upload":{"container":"uploads","name":"r","region":"x"},"manifestSha256":"ab","priority":5}""";

        Assert.Equal("r:distill:1", RunStageCommand.FromJson(json).MessageId);
    }

    [Theory]
    [InlineData("""{"schemaVersion":2,"runId":"r","stage":"distill","attempt":1,"issuedAt":"2026-01-02T03:04:05+00:00","upload":{"container":"uploads","name":"r"},"manifestSha256":"ab"}""", "a stage command has schema version 2; this Distill reads version 1")]
    [InlineData("""{"schemaVersion":1,"stage":"distill","attempt":1,"issuedAt":"2026-01-02T03:04:05+00:00","upload":{"container":"uploads","name":"r"},"manifestSha256":"ab"}""", "a stage command is malformed: ")]
    [InlineData("not json", "a stage command is malformed: ")]
    public void FromJson_BadCommand_SaysWhatWasBeingRead(string json, string start)
    {
        var error = Assert.ThrowsAny<JsonException>(() => RunStageCommand.FromJson(json));

        Assert.StartsWith(start, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_InvalidArguments_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => RunStageCommand.Create("run42", "train", 1, s_issuedAt, "ab"));
        Assert.Throws<ArgumentOutOfRangeException>(() => RunStageCommand.Create("run42", "distill", 0, s_issuedAt, "ab"));
        Assert.Equal("runId", Assert.Throws<ArgumentException>(() => RunStageCommand.Create("Run 42", "distill", 1, s_issuedAt, "ab")).ParamName);
    }
}
