using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Models;
using Distill.Training.Pretraining;
using Distill.Training.Tokenizers;

namespace Distill.Cli.Commands;

/// <summary>
/// The demo's teacher, trained once into the demo folder and used again while it is valid: its training.json says a
/// completed training with the demo's settings on the same corpus, and the model loads. Anything else (other settings,
/// an unreadable or corrupt folder) is said and the teacher trained again; an interrupted training with the same settings
/// resumes from its checkpoint.
/// </summary>
internal static class DemoTeacher
{
    /// <summary>
    /// True when the folder of <paramref name="options"/> holds the finished teacher they train. Otherwise
    /// <paramref name="problem"/> says why it cannot be used, or is null when there is no finished training there (an
    /// empty folder, or a training interrupted, which <see cref="PretrainingJob"/> resumes or refuses).
    /// </summary>
    public static bool IsUsable(PretrainingOptions options, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(options);
        var folder = Path.GetFullPath(options.OutputFolder);
        problem = File.Exists(Path.Join(folder, PretrainingJob.ReportFileName)) ? Check(options, folder) : null;
        return problem is null && File.Exists(Path.Join(folder, PretrainingJob.ReportFileName));
    }

    private static string? Check(PretrainingOptions options, string folder)
    {
        PretrainingReport report;
        try
        {
            report = PretrainingJob.ReadReport(folder);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return $"its {PretrainingJob.ReportFileName} cannot be read: {e.Message}";
        }
        if (!report.Completed)
        {
            return "its training did not complete";
        }
        if (report.Step != options.Steps)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"it was trained for {report.Step:N0} steps, the demo trains {options.Steps:N0}");
        }
        var differences = PretrainingSetup.Create(options, PretrainingSetup.TrainedTokenizer).Differences(report.Setup);
        if (differences.Count > 0)
        {
            return $"it was trained with other settings: {string.Join("; ", differences)}";
        }
        try
        {
            using var model = PretrainedModel.Load(folder, Device.Cpu);
            return null;
        }
        catch (Exception e) when (e is ModelCheckpointException or ModelConfigException or SafeTensorsFormatException or TokenizerFormatException
            or JsonException or IOException or UnauthorizedAccessException)
        {
            return $"its model cannot be loaded: {e.Message}";
        }
    }

    /// <summary>Deletes the teacher folder (the demo's own), so the next training starts from an empty one.</summary>
    public static void Delete(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
