using Distill.Contracts.Models;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>
/// Builds a student of the teacher's family from a <see cref="StudentShape"/>: the same vocabulary (and so
/// tokenizer), positions, rope settings, norm epsilon, activation, dropout and head tying; a new depth and width.
/// </summary>
/// <remarks>
/// Initialisation from the teacher first initialises every tensor randomly from the seed (as Hugging Face does for
/// a new model), then copies over it what fits: student layer i takes teacher layer round((i + 1)·Lt/Ls) − 1
/// (halves rounded up), the last layer of each of Ls equal blocks of the teacher, so the student's last layer is the
/// teacher's last; a layer is copied only when every one of its tensors has the teacher layer's shape. Embeddings,
/// positions, the final norm and an untied head are copied when their shapes match (the widths are equal). So a
/// tensor not copied is exactly the one a random build with the same seed gives.
/// </remarks>
public static class StudentBuilder
{
    /// <summary>The student's config: the teacher's with the shape's values written over it, validated.</summary>
    public static ModelConfig CreateConfig(ModelConfig teacher, StudentShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.ToConfig(teacher);
    }

    /// <summary>
    /// The teacher layer each student layer starts from: round((i + 1)·<paramref name="teacherLayers"/> /
    /// <paramref name="studentLayers"/>) − 1, halves rounded up, at least 0.
    /// </summary>
    public static int[] LayerMap(int teacherLayers, int studentLayers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(teacherLayers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(studentLayers, 1);
        var map = new int[studentLayers];
        for (var i = 0; i < studentLayers; i++)
        {
            var rounded = (2L * (i + 1) * teacherLayers + studentLayers) / (2L * studentLayers);
            map[i] = (int)Math.Max(0, rounded - 1);
        }
        return map;
    }

    /// <summary>
    /// A student of <paramref name="shape"/> on <paramref name="device"/> (the teacher's by default), in float32,
    /// initialised from the teacher or randomly with <paramref name="seed"/>. It predicts the teacher's
    /// <see cref="CausalLanguageModel.OutputVocabSize"/> ids.
    /// </summary>
    public static StudentBuildResult Build(CausalLanguageModel teacher, StudentShape shape, StudentInitialization initialization, ulong seed, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        var config = CreateConfig(teacher.Config, shape);
        var student = CausalLanguageModel.CreateInitialized(config, seed, device ?? teacher.Device);
        try
        {
            student.OutputVocabSize = teacher.OutputVocabSize;
            var copied = new Dictionary<string, string>(StringComparer.Ordinal);
            var notes = new List<string>();
            var layerSources = new int?[config.NumLayers];
            if (initialization == StudentInitialization.FromTeacher)
            {
                CopyFromTeacher(teacher, student, layerSources, copied, notes);
            }
            return new StudentBuildResult
            {
                Model = student,
                LayerSources = layerSources,
                Copied = copied,
                RandomlyInitialized = [.. student.NamedParameters().Select(p => p.Key).Where(n => !copied.ContainsKey(n))],
                Notes = notes,
            };
        }
        catch
        {
            student.Dispose();
            throw;
        }
    }

    private static void CopyFromTeacher(CausalLanguageModel teacher, CausalLanguageModel student, int?[] layerSources, Dictionary<string, string> copied, List<string> notes)
    {
        var layerPrefix = student.Config.Family == ModelFamily.Gpt2 ? "transformer.h." : "model.layers.";
        var teacherParameters = teacher.NamedParameters().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var studentParameters = student.NamedParameters().ToList();
        using var noGrad = TorchRuntime.NoGrad();

        foreach (var (name, parameter) in studentParameters.Where(p => !p.Key.StartsWith(layerPrefix, StringComparison.Ordinal)))
        {
            if (!teacherParameters.TryGetValue(name, out var source))
            {
                notes.Add($"{name}: the teacher has no such tensor");
            }
            else if (!source.Shape.SequenceEqual(parameter.Shape))
            {
                notes.Add($"{name}: shape {Format(parameter.Shape)} differs from the teacher's {Format(source.Shape)}");
            }
            else
            {
                parameter.CopyFrom(source);
                copied.Add(name, name);
            }
        }

        var map = LayerMap(teacher.Config.NumLayers, student.Config.NumLayers);
        for (var i = 0; i < map.Length; i++)
        {
            var studentPrefix = $"{layerPrefix}{i}.";
            var teacherPrefix = $"{layerPrefix}{map[i]}.";
            var layer = studentParameters.Where(p => p.Key.StartsWith(studentPrefix, StringComparison.Ordinal))
                .Select(p => (Name: p.Key, Parameter: p.Value, Source: teacherPrefix + p.Key[studentPrefix.Length..]))
                .ToList();
            var mismatch = layer.FirstOrDefault(t => !teacherParameters.TryGetValue(t.Source, out var s) || !s.Shape.SequenceEqual(t.Parameter.Shape));
            if (mismatch.Name is not null)
            {
                var teacherShape = teacherParameters.TryGetValue(mismatch.Source, out var s) ? Format(s.Shape) : "absent";
                notes.Add($"layer {i} (from teacher layer {map[i]}): {mismatch.Name} has shape {Format(mismatch.Parameter.Shape)} but {mismatch.Source} is {teacherShape}");
                continue;
            }
            foreach (var (name, parameter, source) in layer)
            {
                parameter.CopyFrom(teacherParameters[source]);
                copied.Add(name, source);
            }
            layerSources[i] = map[i];
        }
    }

    private static string Format(long[] shape) => $"[{string.Join(", ", shape)}]";
}
