using System.Text.Json.Serialization;

namespace Distill.Pipeline.Tests.Messaging;

[JsonSerializable(typeof(StageRequest))]
internal sealed partial class MessagingTestJsonContext : JsonSerializerContext;
