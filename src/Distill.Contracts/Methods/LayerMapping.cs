using System.Globalization;

namespace Distill.Contracts.Methods;

/// <summary>
/// Which student layer is matched with which teacher layer. Uniform by default: student layer l (1..L_s) is matched
/// with teacher layer φ(l) = ⌈l·L_t/L_s⌉, the "last layer of each block" map, which is exactly l·L_t/L_s when L_s divides
/// L_t (12→6 gives 2, 4, …, 12) and otherwise the first teacher layer at or past the student's relative depth (a
/// 6-layer teacher and a 4-layer student give 2, 3, 5, 6). TED uses the interval form (<see cref="ResolveTedIntervals"/>);
/// explicit pairs are allowed and validated against both depths.
/// </summary>
public static class LayerMapping
{
    /// <summary>The uniform map: (l, ⌈l·L_t/L_s⌉) for l = 1..L_s.</summary>
    public static IReadOnlyList<LayerPair> Uniform(int studentLayers, int teacherLayers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(studentLayers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(teacherLayers, 1);
        return Enumerable.Range(1, studentLayers)
            .Select(l => new LayerPair(l, (int)(((long)l * teacherLayers + studentLayers - 1) / studentLayers)))
            .ToArray();
    }

    /// <summary>
    /// TED's intervals for the given depths. A null interval is chosen automatically: with both null, K is the largest
    /// count that divides both depths (gcd(L_s, L_t)), so 12→6 gives I_t = 2, I_s = 1; with one given, K follows from
    /// it. Problems (an interval that does not divide its model's depth, or K that differs between the models) are
    /// added to <paramref name="problems"/> with <paramref name="path"/> (e.g. <c>method.ted</c>) and null is returned.
    /// </summary>
    public static TedIntervals? ResolveTedIntervals(int? studentInterval, int? teacherInterval, int studentLayers, int teacherLayers,
        string path, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentOutOfRangeException.ThrowIfLessThan(studentLayers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(teacherLayers, 1);
        var studentOk = CheckInterval(studentInterval, studentLayers, "student", path + ".studentInterval", problems);
        var teacherOk = CheckInterval(teacherInterval, teacherLayers, "teacher", path + ".teacherInterval", problems);
        if (!studentOk || !teacherOk)
        {
            return null;
        }
        switch (studentInterval, teacherInterval)
        {
            case (null, null):
                var k = GreatestCommonDivisor(studentLayers, teacherLayers);
                return new TedIntervals(studentLayers / k, teacherLayers / k, k);
            case (int si, null):
                return Complete(studentLayers / si, si, teacherLayers, "teacher", path + ".teacherInterval", problems, (count, other) => new TedIntervals(si, other, count));
            case (null, int ti):
                return Complete(teacherLayers / ti, ti, studentLayers, "student", path + ".studentInterval", problems, (count, other) => new TedIntervals(other, ti, count));
            case (int si, int ti):
                if (studentLayers / si != teacherLayers / ti)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: the student's {studentLayers} layers in intervals of {si} give {studentLayers / si} filters but the teacher's {teacherLayers} layers in intervals of {ti} give {teacherLayers / ti}; TED needs L_s/I_s = L_t/I_t"));
                    return null;
                }
                return new TedIntervals(si, ti, studentLayers / si);
        }
    }

    /// <summary>Checks explicit pairs against both depths; each problem names <paramref name="path"/>[i].</summary>
    public static IReadOnlyList<string> ValidatePairs(IReadOnlyList<LayerPair>? pairs, int studentLayers, int teacherLayers, string path)
    {
        var problems = new List<string>();
        if (pairs is null || pairs.Count == 0)
        {
            problems.Add($"{path}: must list at least one pair");
            return problems;
        }
        var seen = new HashSet<LayerPair>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
            var pair = pairs[i];
            if (pair is null)
            {
                problems.Add($"{at}: is null; write {{\"student\": l, \"teacher\": l'}}");
                continue;
            }
            if (pair.Student < 1 || pair.Student > studentLayers)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{at}.student: layer {pair.Student} is outside the student's layers 1..{studentLayers} (0, the embeddings, is never matched)"));
            }
            if (pair.Teacher < 1 || pair.Teacher > teacherLayers)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{at}.teacher: layer {pair.Teacher} is outside the teacher's layers 1..{teacherLayers} (0, the embeddings, is never matched)"));
            }
            if (!seen.Add(pair))
            {
                problems.Add($"{at}: the pair {pair} is listed twice");
            }
        }
        return problems;
    }

    /// <summary>Validated explicit pairs; throws <see cref="MethodOptionsException"/> listing every problem.</summary>
    public static IReadOnlyList<LayerPair> Explicit(IReadOnlyList<LayerPair> pairs, int studentLayers, int teacherLayers, string path = "layerPairs")
    {
        var problems = ValidatePairs(pairs, studentLayers, teacherLayers, path);
        if (problems.Count > 0)
        {
            throw new MethodOptionsException(problems);
        }
        return pairs.ToArray();
    }

    private static bool CheckInterval(int? interval, int layers, string model, string path, ICollection<string> problems)
    {
        if (interval is not int value)
        {
            return true;
        }
        if (value < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: must be ≥ 1 (or null for auto), got {value}"));
            return false;
        }
        if (layers % value != 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {value} does not divide the {model}'s {layers} layers"));
            return false;
        }
        return true;
    }

    private static TedIntervals? Complete(int filterCount, int givenInterval, int otherLayers, string otherModel, string otherPath,
        ICollection<string> problems, Func<int, int, TedIntervals> create)
    {
        if (otherLayers % filterCount != 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{otherPath}: cannot be chosen: the given interval {givenInterval} makes {filterCount} filters, which does not divide the {otherModel}'s {otherLayers} layers"));
            return null;
        }
        return create(filterCount, otherLayers / filterCount);
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
