using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Pipeline.Uploads;
using Distill.Training.Pretraining;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill demo --json`: one JSON object per line: <see cref="DemoLine"/>s for the demo's own steps (the teacher's
/// training about twenty times, not every step), each of the run's events as its CloudEvent, and <see cref="DemoSummary"/> last.
/// </summary>
internal sealed class DemoJsonView(TextWriter output) : IDemoView, IDemoProgress
{
    private const int TeacherLines = 20;

    private readonly TextWriter _output = TextWriter.Synchronized(output);

    public IProgress<PretrainingProgress> Teacher => new CallbackProgress<PretrainingProgress>(p =>
    {
        if (p.Training is not { } training)
        {
            if (p.Message is { } message)
            {
                Write(new DemoLine("demo.note") { Message = $"teacher: {message}" });
            }
            return;
        }
        var every = Math.Max(1, training.TotalSteps / TeacherLines);
        if (training.Step % every == 0 || training.Step == training.TotalSteps || training.ValidationLoss is not null)
        {
            Write(new DemoLine("demo.teacher.progress")
            {
                Step = training.Step,
                TotalSteps = training.TotalSteps,
                Loss = training.Loss,
                ValidationLoss = training.ValidationLoss,
                TokensPerSecond = training.TokensPerSecond,
            });
        }
    });

    public IProgress<UploadProgress> Upload { get; } = new CallbackProgress<UploadProgress>(_ => { });

    public void Header(DemoSettings settings, string store, string corpus) =>
        Write(new DemoLine("demo.note") { Message = $"corpus: {corpus}; {settings.Describe()}", Folder = store });

    public void Note(string message) => Write(new DemoLine("demo.note") { Message = message });

    public Task<T> ShowProgressAsync<T>(Func<IDemoProgress, Task<T>> work) => work(this);

    public void TeacherReady(PretrainingReport teacher, bool trainedNow) => Write(new DemoLine("demo.teacher.ready")
    {
        Folder = teacher.Folder,
        Reused = !trainedNow,
        Parameters = teacher.Parameters,
        Step = teacher.Step,
        TotalSteps = teacher.TotalSteps,
        Loss = teacher.FinalLoss,
        ValidationLoss = teacher.ValidationLoss,
        TokensPerSecond = teacher.TokensPerSecond,
    });

    public void Submitted(string runId, UploadResult upload) =>
        Write(new DemoLine("demo.submitted") { RunId = runId, Files = upload.Files, Bytes = upload.Bytes });

    public void Event(CloudEventEnvelope cloudEvent) => _output.WriteLine(cloudEvent.ToJson());

    public void Finished(DemoSummary summary) => _output.WriteLine(JsonSerializer.Serialize(summary, CliJsonContext.Default.DemoSummary));

    private void Write(DemoLine line) => _output.WriteLine(JsonSerializer.Serialize(line, CliJsonContext.Relaxed.DemoLine));
}
