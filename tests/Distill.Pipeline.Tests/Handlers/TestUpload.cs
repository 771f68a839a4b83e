using System.Buffers.Binary;
using System.Text;

namespace Distill.Pipeline.Tests.Handlers;

/// <summary>
/// The files of a small run folder, relative path → bytes: a GPT-2 teacher (hand-written config.json, a tiny but valid
/// model.safetensors written byte by byte, a tokenizer.json), training data and pipeline.json. Tests change or remove
/// files to make one input invalid.
/// </summary>
internal sealed class TestUpload
{
    public const string TeacherConfig = """
        {"model_type": "gpt2", "vocab_size": 64, "n_embd": 32, "n_layer": 4, "n_head": 4, "n_positions": 64, "_name_or_path": "test/tiny-teacher"}
        """;

    public const string Tokenizer = """{"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""";

    public const string ValidManifest = """
        {
          "version": 1,
          "name": "tiny-kd",
          "data": { "train": ["data/train.jsonl"], "validation": ["data/valid"], "blockSize": 16 },
          "student": { "layers": 2 },
          "method": { "name": "kd", "temperature": 2 },
          "training": { "steps": 10 },
          "evaluation": { "gates": { "maxPerplexityRatio": 2.0 } },
          "output": { "name": "tiny-student" }
        }
        """;

    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public string Manifest
    {
        get => Encoding.UTF8.GetString(Files["pipeline.json"]);
        set => Files["pipeline.json"] = Encoding.UTF8.GetBytes(value);
    }

    public static TestUpload Valid(string manifest = ValidManifest)
    {
        var upload = new TestUpload();
        upload.Files["teacher/config.json"] = Encoding.UTF8.GetBytes(TeacherConfig);
        upload.Files["teacher/model.safetensors"] = SafeTensors(("transformer.wte.weight", [64, 32]), ("transformer.wpe.weight", [64, 32]));
        upload.Files["teacher/tokenizer.json"] = Encoding.UTF8.GetBytes(Tokenizer);
        upload.Files["data/train.jsonl"] = Encoding.UTF8.GetBytes("{\"text\": \"a a a\"}\n{\"text\": \"a a\"}\n");
        upload.Files["data/valid/part-0.jsonl"] = Encoding.UTF8.GetBytes("{\"text\": \"a\"}\n");
        upload.Files["data/valid/notes.csv"] = Encoding.UTF8.GetBytes("not data\n");
        upload.Manifest = manifest;
        return upload;
    }

    /// <summary>A safetensors file of F32 zeros: the 8-byte little-endian header length, the JSON header, the data.</summary>
    public static byte[] SafeTensors(params (string Name, int[] Shape)[] tensors)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(4L, (size, dim) => size * dim);
            header.Append(header.Length > 1 ? "," : "")
                .Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        header.Append('}');
        var json = Encoding.UTF8.GetBytes(header.ToString());
        var file = new byte[8 + json.Length + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    /// <summary>Writes the files under <paramref name="folder"/> on disk.</summary>
    public void WriteTo(string folder)
    {
        foreach (var (path, bytes) in Files)
        {
            var full = Path.Combine(folder, path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(full) ?? folder);
            File.WriteAllBytes(full, bytes);
        }
    }
}
