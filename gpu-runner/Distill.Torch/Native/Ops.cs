namespace Distill.Torch.Native;

// Operation codes of the shim's dispatching entry points (distill_torch.h).

internal enum UnaryOp
{
    Neg, Exp, Log, Sqrt, Rsqrt, Abs, Tanh, Sigmoid, Relu, Silu, Gelu, GeluTanh, Sin, Cos, Square, Reciprocal,
    LogicalNot, IsNan, IsFinite, Sign, Floor, Ceil, Log1p, Expm1, Round,
}

internal enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, Remainder, RSub, RDiv,
}

internal enum ReduceOp
{
    Sum, Mean, AMax, AMin, LogSumExp, Prod, Norm2, Var, Std, Any, All,
}
