using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Torch.Serialization;
using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>
/// The result of TED's Stage I for one model, as a folder: <c>filters.safetensors</c> (the filters' weights,
/// <c>filters.{k}.weight</c> … as <see cref="TaskAwareFilterSet"/> names them; Stage I's heads are not kept) and
/// <c>filters.json</c> (<see cref="TedFilterDescription"/>: role, layers, interval, widths, linear or not), written
/// last. Loading checks the description against the layout the models and method at hand give, then the weights'
/// names and shapes, and names the file at fault.
/// </summary>
public static class TedFilterArtifact
{
    public const string WeightsFileName = "filters.safetensors";
    public const string DescriptionFileName = "filters.json";

    /// <summary>Writes the artifact into <paramref name="folder"/> (created if needed); each file is replaced atomically, the description last.</summary>
    public static void Save(string folder, TedFilterLayout layout, TaskAwareFilterSet filters, long? trainedSteps = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(filters);
        var mismatches = layout.Mismatches(filters);
        if (mismatches.Count > 0)
        {
            throw new ArgumentException("the filters do not fit their layout: " + string.Join("; ", mismatches), nameof(filters));
        }
        Directory.CreateDirectory(folder);
        SafeTensors.Write(Path.Combine(folder, WeightsFileName), filters.StateDict());
        var description = new TedFilterDescription
        {
            Role = TedFilterDescription.RoleName(layout.Role),
            ModelLayers = layout.ModelLayers,
            Interval = layout.Interval,
            FilterCount = layout.FilterCount,
            Layers = layout.Layers(),
            InputWidth = layout.InputWidth,
            FilterWidth = layout.FilterWidth,
            Nonlinear = layout.Nonlinear,
            TrainedSteps = trainedSteps,
        };
        var path = Path.Combine(folder, DescriptionFileName);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, description, TedFilterJsonContext.Default.TedFilterDescription);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Reads <c>filters.json</c> of an artifact folder.</summary>
    /// <exception cref="TedFilterArtifactException">The file is missing, malformed or of an unknown format.</exception>
    public static TedFilterDescription ReadDescription(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var path = Path.Combine(folder, DescriptionFileName);
        if (!File.Exists(path))
        {
            throw new TedFilterArtifactException(path, ["the file is missing: is this a TED filters artifact (Stage I's output)?"]);
        }
        TedFilterDescription? description;
        try
        {
            using var stream = File.OpenRead(path);
            description = JsonSerializer.Deserialize(stream, TedFilterJsonContext.Default.TedFilterDescription);
        }
        catch (JsonException e)
        {
            throw new TedFilterArtifactException(path, [$"not a valid filters description: {e.Message}"], e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TedFilterArtifactException(path, [$"cannot be read: {e.Message}"], e);
        }
        if (description is null || description.Format != TedFilterDescription.FormatName)
        {
            throw new TedFilterArtifactException(path, [$"the format is '{description?.Format}', expected '{TedFilterDescription.FormatName}'"]);
        }
        if (description.Version != TedFilterDescription.CurrentVersion)
        {
            throw new TedFilterArtifactException(path, [Invariant($"version {description.Version} is not supported (this build reads version {TedFilterDescription.CurrentVersion})")]);
        }
        return description;
    }

    /// <summary>
    /// Loads the filters of an artifact folder onto <paramref name="device"/>, after checking that they are the filters
    /// <paramref name="expected"/> describes (from <see cref="TedFilterLayout.For"/> with the models and method at hand).
    /// </summary>
    /// <exception cref="TedFilterArtifactException">
    /// A file is missing or malformed, the description does not fit the expected layout (every difference is listed),
    /// or the weights do not fit the filters (names and shapes).
    /// </exception>
    public static TaskAwareFilterSet Load(string folder, TedFilterLayout expected, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var description = ReadDescription(folder);
        var problems = Compare(description, expected);
        if (problems.Count > 0)
        {
            throw new TedFilterArtifactException(Path.Combine(folder, DescriptionFileName), problems);
        }
        var weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weightsPath))
        {
            throw new TedFilterArtifactException(weightsPath, ["the file is missing"]);
        }
        var filters = expected.CreateFilters(seed: 0, device);
        try
        {
            using var scope = TensorScope.Begin();
            filters.LoadStateDict(SafeTensors.LoadCheckpoint(weightsPath, device ?? Device.Cpu));
            return filters;
        }
        catch (Exception e) when (e is SafeTensorsFormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            filters.Dispose();
            var problem = e is SafeTensorsFormatException ? e.Message : $"does not hold the described filters: {e.Message}";
            throw new TedFilterArtifactException(weightsPath, [problem], e);
        }
        catch
        {
            filters.Dispose();
            throw;
        }
    }

    private static List<string> Compare(TedFilterDescription actual, TedFilterLayout expected)
    {
        var problems = new List<string>();
        var role = TedFilterDescription.RoleName(expected.Role);
        if (actual.Role != role)
        {
            problems.Add($"role is '{actual.Role}' but the {role}'s filters are needed");
        }
        void Check<T>(string field, T value, T wanted, string meaning)
            where T : IEquatable<T>
        {
            if (!value.Equals(wanted))
            {
                problems.Add(Invariant($"{field} is {value} but {meaning} is {wanted}"));
            }
        }
        Check("model_layers", actual.ModelLayers, expected.ModelLayers, $"the {role}'s depth");
        Check("interval", actual.Interval, expected.Interval, $"the {role}'s interval for this method and these models");
        Check("filter_count", actual.FilterCount, expected.FilterCount, "K for this method and these models");
        Check("input_width", actual.InputWidth, expected.InputWidth, $"the {role}'s hidden size");
        Check("filter_width", actual.FilterWidth, expected.FilterWidth, "d_f for this method and these models");
        if (actual.Nonlinear != expected.Nonlinear)
        {
            problems.Add($"nonlinear is {(actual.Nonlinear ? "true" : "false")} but method.ted.nonlinear is {(expected.Nonlinear ? "true" : "false")}");
        }
        if (actual.Layers is null || !actual.Layers.SequenceEqual(Enumerable.Range(1, actual.FilterCount).Select(k => k * actual.Interval)))
        {
            problems.Add(Invariant($"layers [{string.Join(", ", actual.Layers ?? [])}] are not every {actual.Interval}th of {actual.FilterCount} filters"));
        }
        return problems;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
