using Distill.Torch.Native;

namespace Distill.Torch;

public sealed partial class Tensor
{
    private Tensor Unary(UnaryOp op) => Wrap(NativeMethods.dt_unary((int)op, Handle, out var h), h);

    private Tensor Binary(BinaryOp op, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(NativeMethods.dt_binary((int)op, Handle, other.Handle, out var h), h);
    }

    private Tensor Binary(BinaryOp op, double other) => Wrap(NativeMethods.dt_binary_scalar((int)op, Handle, other, out var h), h);

    // ---- operators ----
    public static Tensor operator +(Tensor a, Tensor b) => Nn(a).Binary(BinaryOp.Add, b);
    public static Tensor operator +(Tensor a, double b) => Nn(a).Binary(BinaryOp.Add, b);
    public static Tensor operator +(double a, Tensor b) => Nn(b).Binary(BinaryOp.Add, a);
    public static Tensor operator -(Tensor a, Tensor b) => Nn(a).Binary(BinaryOp.Sub, b);
    public static Tensor operator -(Tensor a, double b) => Nn(a).Binary(BinaryOp.Sub, b);
    public static Tensor operator -(double a, Tensor b) => Nn(b).Binary(BinaryOp.RSub, a);
    public static Tensor operator *(Tensor a, Tensor b) => Nn(a).Binary(BinaryOp.Mul, b);
    public static Tensor operator *(Tensor a, double b) => Nn(a).Binary(BinaryOp.Mul, b);
    public static Tensor operator *(double a, Tensor b) => Nn(b).Binary(BinaryOp.Mul, a);
    public static Tensor operator /(Tensor a, Tensor b) => Nn(a).Binary(BinaryOp.Div, b);
    public static Tensor operator /(Tensor a, double b) => Nn(a).Binary(BinaryOp.Div, b);
    public static Tensor operator /(double a, Tensor b) => Nn(b).Binary(BinaryOp.RDiv, a);
    public static Tensor operator -(Tensor a) => Nn(a).Unary(UnaryOp.Neg);
    public static Tensor operator %(Tensor a, double b) => Nn(a).Binary(BinaryOp.Remainder, b);

    private static Tensor Nn(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t;
    }

    // ---- arithmetic ----
    public Tensor Add(Tensor other) => Binary(BinaryOp.Add, other);

    /// <summary>this + alpha * other.</summary>
    public Tensor Add(Tensor other, double alpha)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(NativeMethods.dt_add_scaled(Handle, other.Handle, alpha, out var h), h);
    }

    public Tensor Sub(Tensor other) => Binary(BinaryOp.Sub, other);
    public Tensor Mul(Tensor other) => Binary(BinaryOp.Mul, other);
    public Tensor Div(Tensor other) => Binary(BinaryOp.Div, other);
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, exponent);
    public Tensor Pow(double exponent) => Binary(BinaryOp.Pow, exponent);
    public Tensor Maximum(Tensor other) => Binary(BinaryOp.Maximum, other);
    public Tensor Minimum(Tensor other) => Binary(BinaryOp.Minimum, other);
    public Tensor Remainder(double divisor) => Binary(BinaryOp.Remainder, divisor);

    public Tensor Clamp(double? min = null, double? max = null) =>
        Wrap(NativeMethods.dt_clamp(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0, out var h), h);

    public Tensor ClampMin(double min) => Clamp(min: min);
    public Tensor ClampMax(double max) => Clamp(max: max);

    /// <summary>this + weight * (end - this).</summary>
    public Tensor Lerp(Tensor end, double weight)
    {
        ArgumentNullException.ThrowIfNull(end);
        return Wrap(NativeMethods.dt_lerp(Handle, end.Handle, weight, out var h), h);
    }

    public Tensor Neg() => Unary(UnaryOp.Neg);
    public Tensor Exp() => Unary(UnaryOp.Exp);
    public Tensor Log() => Unary(UnaryOp.Log);
    public Tensor Log1p() => Unary(UnaryOp.Log1p);
    public Tensor Expm1() => Unary(UnaryOp.Expm1);
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    public Tensor Abs() => Unary(UnaryOp.Abs);
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    public Tensor Relu() => Unary(UnaryOp.Relu);
    public Tensor Silu() => Unary(UnaryOp.Silu);

    /// <summary>GELU; <paramref name="tanhApproximation"/> gives GPT-2's gelu_new.</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Unary(tanhApproximation ? UnaryOp.GeluTanh : UnaryOp.Gelu);

    public Tensor Sin() => Unary(UnaryOp.Sin);
    public Tensor Cos() => Unary(UnaryOp.Cos);
    public Tensor Square() => Unary(UnaryOp.Square);
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal);
    public Tensor Sign() => Unary(UnaryOp.Sign);
    public Tensor Floor() => Unary(UnaryOp.Floor);
    public Tensor Ceil() => Unary(UnaryOp.Ceil);
    public Tensor Round() => Unary(UnaryOp.Round);
    public Tensor IsNan() => Unary(UnaryOp.IsNan);
    public Tensor IsFinite() => Unary(UnaryOp.IsFinite);

    // ---- comparison and logic (results are bool tensors) ----
    public Tensor Eq(Tensor other) => Binary(BinaryOp.Eq, other);
    public Tensor Eq(double other) => Binary(BinaryOp.Eq, other);
    public Tensor Ne(Tensor other) => Binary(BinaryOp.Ne, other);
    public Tensor Ne(double other) => Binary(BinaryOp.Ne, other);
    public Tensor Lt(Tensor other) => Binary(BinaryOp.Lt, other);
    public Tensor Lt(double other) => Binary(BinaryOp.Lt, other);
    public Tensor Le(Tensor other) => Binary(BinaryOp.Le, other);
    public Tensor Le(double other) => Binary(BinaryOp.Le, other);
    public Tensor Gt(Tensor other) => Binary(BinaryOp.Gt, other);
    public Tensor Gt(double other) => Binary(BinaryOp.Gt, other);
    public Tensor Ge(Tensor other) => Binary(BinaryOp.Ge, other);
    public Tensor Ge(double other) => Binary(BinaryOp.Ge, other);
    public Tensor LogicalAnd(Tensor other) => Binary(BinaryOp.LogicalAnd, other);
    public Tensor LogicalOr(Tensor other) => Binary(BinaryOp.LogicalOr, other);
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);

    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Wrap(NativeMethods.dt_masked_fill(Handle, mask.Handle, value, out var h), h);
    }

    // ---- linear algebra ----
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(NativeMethods.dt_matmul(Handle, other.Handle, out var h), h);
    }

    public Tensor Bmm(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(NativeMethods.dt_bmm(Handle, other.Handle, out var h), h);
    }

    public Tensor Outer(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(NativeMethods.dt_outer(Handle, other.Handle, out var h), h);
    }

    // ---- in place (under no-grad for parameters) ----
    private Tensor InPlace(BinaryOp op, Tensor? other, double scalar)
    {
        TorchException.Check(NativeMethods.dt_binary_((int)op, Handle, HandleOf(other), scalar));
        return this;
    }

    public Tensor AddInPlace(Tensor other) => InPlace(BinaryOp.Add, other ?? throw new ArgumentNullException(nameof(other)), 0);
    public Tensor AddInPlace(double value) => InPlace(BinaryOp.Add, null, value);
    public Tensor SubInPlace(Tensor other) => InPlace(BinaryOp.Sub, other ?? throw new ArgumentNullException(nameof(other)), 0);
    public Tensor MulInPlace(Tensor other) => InPlace(BinaryOp.Mul, other ?? throw new ArgumentNullException(nameof(other)), 0);
    public Tensor MulInPlace(double value) => InPlace(BinaryOp.Mul, null, value);
    public Tensor DivInPlace(double value) => InPlace(BinaryOp.Div, null, value);

    /// <summary>Copies <paramref name="source"/> into this tensor (broadcasting, converting dtype and device).</summary>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        TorchException.Check(NativeMethods.dt_copy_(Handle, source.Handle));
        return this;
    }

    public Tensor Fill(double value)
    {
        TorchException.Check(NativeMethods.dt_fill_(Handle, value));
        return this;
    }

    public Tensor Zero() => Fill(0);
}
