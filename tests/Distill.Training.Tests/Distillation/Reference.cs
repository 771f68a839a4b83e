namespace Distill.Training.Tests.Distillation;

/// <summary>Longhand double-precision versions of the loss terms, written from the formulas, for comparison.</summary>
internal static class Reference
{
    public static double[] Softmax(double[] z, double temperature = 1)
    {
        var max = z.Max() / temperature;
        var e = z.Select(v => Math.Exp(v / temperature - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    public static double Kl(double[] a, double[] b)
    {
        var total = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] > 0)
            {
                total += a[i] * (Math.Log(a[i]) - Math.Log(b[i]));
            }
        }
        return total;
    }

    public static double ForwardKl(double[] student, double[] teacher, double temperature = 1) =>
        temperature * temperature * Kl(Softmax(teacher, temperature), Softmax(student, temperature));

    public static double ReverseKl(double[] student, double[] teacher, double temperature = 1) =>
        temperature * temperature * Kl(Softmax(student, temperature), Softmax(teacher, temperature));

    public static double CrossEntropy(double[] student, int target) => -Math.Log(Softmax(student)[target]);

    /// <summary>TKD and DKD of KL(a ‖ b) for the distributions a, b and target g, from the definitions.</summary>
    public static (double Tkd, double Dkd) Decompose(double[] a, double[] b, int g)
    {
        var tkd = Kl([a[g], 1 - a[g]], [b[g], 1 - b[g]]);
        var aHat = a.Select((v, i) => i == g ? 0 : v / (1 - a[g])).ToArray();
        var bHat = b.Select((v, i) => i == g ? 0 : v / (1 - b[g])).ToArray();
        return (tkd, Kl(aHat, bHat));
    }

    public static (double Tkd, double Dkd, double Uncertainty) Atkd(double[] student, double[] teacher, int g, bool reverse)
    {
        var p = Softmax(teacher);
        var q = Softmax(student);
        var (tkd, dkd) = reverse ? Decompose(q, p, g) : Decompose(p, q, g);
        return (tkd, dkd, 1 - p[g]);
    }

    public static double SquaredError(double[] s, double[] t) => s.Zip(t, (a, b) => (a - b) * (a - b)).Average();

    public static double CosineDistance(double[] s, double[] t)
    {
        var dot = s.Zip(t, (a, b) => a * b).Sum();
        var ns = Math.Sqrt(s.Sum(v => v * v));
        var nt = Math.Sqrt(t.Sum(v => v * v));
        return 1 - dot / (Math.Max(ns, 1e-8) * Math.Max(nt, 1e-8));
    }

    public static double[] Row(double[] flat, int row, int width) => flat.AsSpan(row * width, width).ToArray();

    public static double[] Random(Random random, int count, double scale) =>
        Enumerable.Range(0, count).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
}
