namespace Distill.Contracts.Methods;

/// <summary>
/// TED's filter placement: student filters after layers I_s, 2·I_s, …, teacher filters after I_t, 2·I_t, …, with
/// K = L_s/I_s = L_t/I_t filters on each side; filter k of the student is matched with filter k of the teacher.
/// </summary>
public sealed record TedIntervals(int Student, int Teacher, int FilterCount)
{
    /// <summary>The matched layers (k·I_s, k·I_t) for k = 1..K.</summary>
    public IReadOnlyList<LayerPair> Pairs() =>
        Enumerable.Range(1, FilterCount).Select(k => new LayerPair(k * Student, k * Teacher)).ToArray();
}
