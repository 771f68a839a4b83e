using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Torch;

namespace Distill.Training.Trainers;

/// <summary>A device as its text form ("cpu", "cuda:0").</summary>
internal sealed class DeviceJsonConverter : JsonConverter<Device>
{
    public override Device Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("a device must be a string such as \"cpu\" or \"cuda:0\"");
        try
        {
            return Device.Parse(text);
        }
        catch (FormatException e)
        {
            throw new JsonException($"'{text}' is not a device: {e.Message}", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, Device value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
