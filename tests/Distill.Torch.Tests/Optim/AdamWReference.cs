namespace Distill.Torch.Tests.Optim;

/// <summary>torch.optim.AdamW's single-tensor update (PyTorch 1.13 <c>_single_tensor_adamw</c>), written out in C#.</summary>
internal sealed class AdamWReference(double[] parameter, double beta1, double beta2, double eps, double weightDecay)
{
    private readonly double[] _expAvg = new double[parameter.Length];
    private readonly double[] _expAvgSq = new double[parameter.Length];
    private int _step;

    public double[] Parameter { get; } = (double[])parameter.Clone();

    public double[] ExpAvg => _expAvg;

    public double[] ExpAvgSq => _expAvgSq;

    public void Step(double[] grad, double lr)
    {
        _step++;
        var biasCorrection1 = 1 - Math.Pow(beta1, _step);
        var biasCorrection2 = 1 - Math.Pow(beta2, _step);
        var stepSize = lr / biasCorrection1;
        for (var i = 0; i < Parameter.Length; i++)
        {
            Parameter[i] *= 1 - lr * weightDecay;
            _expAvg[i] = _expAvg[i] * beta1 + (1 - beta1) * grad[i];
            _expAvgSq[i] = _expAvgSq[i] * beta2 + (1 - beta2) * grad[i] * grad[i];
            var denom = Math.Sqrt(_expAvgSq[i]) / Math.Sqrt(biasCorrection2) + eps;
            Parameter[i] -= stepSize * _expAvg[i] / denom;
        }
    }
}
