using Distill.Training.Pretraining;

namespace Distill.Cli.Commands;

/// <summary>How `distill demo` shows what it does: Spectre.Console on a terminal or captured output (<see cref="DemoConsoleView"/>), or JSON lines (<see cref="DemoJsonView"/>).</summary>
internal interface IDemoView
{
    /// <summary>What the demo is about to do.</summary>
    void Header(DemoSettings settings, string store, string corpus);

    /// <summary>A sentence for the user (a teacher reused, or trained again and why).</summary>
    void Note(string message);

    /// <summary>Runs <paramref name="work"/> with live progress.</summary>
    Task<T> ShowProgressAsync<T>(Func<IDemoProgress, Task<T>> work);

    /// <summary>The teacher to distil: its training.json, and whether this session trained it.</summary>
    void TeacherReady(PretrainingReport teacher, bool trainedNow);

    /// <summary>The outcome, with the teacher and the student side by side.</summary>
    void Finished(DemoSummary summary);
}
