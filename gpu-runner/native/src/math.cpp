// Elementwise arithmetic, linear algebra, reductions and index selection.
#include "common.h"

namespace
{
at::Tensor unary(int32_t op, const at::Tensor& a)
{
    switch (op)
    {
    case DT_NEG: return at::neg(a);
    case DT_EXP: return at::exp(a);
    case DT_LOG: return at::log(a);
    case DT_SQRT: return at::sqrt(a);
    case DT_RSQRT: return at::rsqrt(a);
    case DT_ABS: return at::abs(a);
    case DT_TANH: return at::tanh(a);
    case DT_SIGMOID: return at::sigmoid(a);
    case DT_RELU: return at::relu(a);
    case DT_SILU: return at::silu(a);
    case DT_GELU: return at::gelu(a, "none");
    case DT_GELU_TANH: return at::gelu(a, "tanh");
    case DT_SIN: return at::sin(a);
    case DT_COS: return at::cos(a);
    case DT_SQUARE: return at::square(a);
    case DT_RECIPROCAL: return at::reciprocal(a);
    case DT_LOGICAL_NOT: return at::logical_not(a);
    case DT_ISNAN: return at::isnan(a);
    case DT_ISFINITE: return at::isfinite(a);
    case DT_SIGN: return at::sign(a);
    case DT_FLOOR: return at::floor(a);
    case DT_CEIL: return at::ceil(a);
    case DT_LOG1P: return at::log1p(a);
    case DT_EXPM1: return at::expm1(a);
    case DT_ROUND: return at::round(a);
    default: throw std::invalid_argument("unknown unary op " + std::to_string(op));
    }
}

at::Tensor binary(int32_t op, const at::Tensor& a, const at::Tensor& b)
{
    switch (op)
    {
    case DT_ADD: return at::add(a, b);
    case DT_SUB: return at::sub(a, b);
    case DT_MUL: return at::mul(a, b);
    case DT_DIV: return at::div(a, b);
    case DT_POW: return at::pow(a, b);
    case DT_MAXIMUM: return at::maximum(a, b);
    case DT_MINIMUM: return at::minimum(a, b);
    case DT_EQ: return at::eq(a, b);
    case DT_NE: return at::ne(a, b);
    case DT_LT: return at::lt(a, b);
    case DT_LE: return at::le(a, b);
    case DT_GT: return at::gt(a, b);
    case DT_GE: return at::ge(a, b);
    case DT_LOGICAL_AND: return at::logical_and(a, b);
    case DT_LOGICAL_OR: return at::logical_or(a, b);
    case DT_REMAINDER: return at::remainder(a, b);
    case DT_RSUB: return at::sub(b, a);
    case DT_RDIV: return at::div(b, a);
    default: throw std::invalid_argument("unknown binary op " + std::to_string(op));
    }
}

at::Tensor binary_scalar(int32_t op, const at::Tensor& a, double b)
{
    // Integer tensors keep their dtype when the scalar is integral, as in PyTorch.
    at::Scalar s = (std::floor(b) == b && !at::isFloatingType(a.scalar_type()) && std::abs(b) < 9.0e15)
                       ? at::Scalar(static_cast<int64_t>(b))
                       : at::Scalar(b);
    switch (op)
    {
    case DT_ADD: return at::add(a, s);
    case DT_SUB: return at::sub(a, s);
    case DT_MUL: return at::mul(a, s);
    case DT_DIV: return at::div(a, s);
    case DT_POW: return at::pow(a, s);
    case DT_MAXIMUM: return at::clamp_min(a, s);
    case DT_MINIMUM: return at::clamp_max(a, s);
    case DT_EQ: return at::eq(a, s);
    case DT_NE: return at::ne(a, s);
    case DT_LT: return at::lt(a, s);
    case DT_LE: return at::le(a, s);
    case DT_GT: return at::gt(a, s);
    case DT_GE: return at::ge(a, s);
    case DT_REMAINDER: return at::remainder(a, s);
    case DT_RSUB: return at::rsub(a, s);
    case DT_RDIV: return at::mul(at::reciprocal(a), s);
    default: throw std::invalid_argument("binary op " + std::to_string(op) + " has no scalar form");
    }
}

void binary_inplace(int32_t op, at::Tensor& a, const at::Tensor& b)
{
    switch (op)
    {
    case DT_ADD: a.add_(b); break;
    case DT_SUB: a.sub_(b); break;
    case DT_MUL: a.mul_(b); break;
    case DT_DIV: a.div_(b); break;
    case DT_MAXIMUM: at::maximum_out(a, a, b); break;
    case DT_MINIMUM: at::minimum_out(a, a, b); break;
    default: throw std::invalid_argument("binary op " + std::to_string(op) + " has no in-place form");
    }
}

void scalar_inplace(int32_t op, at::Tensor& a, double b)
{
    switch (op)
    {
    case DT_ADD: a.add_(b); break;
    case DT_SUB: a.sub_(b); break;
    case DT_MUL: a.mul_(b); break;
    case DT_DIV: a.div_(b); break;
    case DT_MAXIMUM: a.clamp_min_(b); break;
    case DT_MINIMUM: a.clamp_max_(b); break;
    default: throw std::invalid_argument("binary op " + std::to_string(op) + " has no in-place form");
    }
}

at::Tensor reduce(int32_t op, const at::Tensor& a, at::IntArrayRef dims, bool keepdim, int32_t dtype)
{
    bool all = dims.empty();
    auto type = dt::optional_dtype(dtype);
    if (type.has_value() && op != DT_SUM && op != DT_MEAN && op != DT_PROD)
    {
        throw std::invalid_argument("only sum, mean and prod take an output dtype");
    }
    std::vector<int64_t> every;
    if (all)
    {
        for (int64_t i = 0; i < a.dim(); i++)
        {
            every.push_back(i);
        }
        dims = every;
    }
    switch (op)
    {
    case DT_SUM: return all && !keepdim ? at::sum(a, type) : at::sum(a, dims, keepdim, type);
    case DT_MEAN: return all && !keepdim ? at::mean(a, type) : at::mean(a, dims, keepdim, type);
    case DT_AMAX: return at::amax(a, dims, keepdim);
    case DT_AMIN: return at::amin(a, dims, keepdim);
    case DT_LOGSUMEXP: return at::logsumexp(a, dims, keepdim);
    case DT_PROD:
        if (all && !keepdim)
        {
            return at::prod(a, type);
        }
        if (dims.size() != 1)
        {
            throw std::invalid_argument("prod reduces over one dimension or all of them");
        }
        return at::prod(a, dims[0], keepdim, type);
    case DT_NORM2: return at::norm(a, 2, dims, keepdim);
    case DT_VAR: return at::var(a, dims, /*unbiased=*/false, keepdim);
    case DT_STD: return at::std(a, dims, /*unbiased=*/false, keepdim);
    case DT_ANY:
    case DT_ALL:
    {
        at::Tensor r = a;
        if (all && !keepdim)
        {
            return op == DT_ANY ? at::any(a) : at::all(a);
        }
        // Reduce the highest dimension first so the remaining indices stay valid.
        std::vector<int64_t> sorted(dims.begin(), dims.end());
        for (auto& d : sorted)
        {
            d = c10::maybe_wrap_dim(d, a.dim());
        }
        std::sort(sorted.rbegin(), sorted.rend());
        for (auto d : sorted)
        {
            r = op == DT_ANY ? at::any(r, d, keepdim) : at::all(r, d, keepdim);
        }
        return r;
    }
    default: throw std::invalid_argument("unknown reduction op " + std::to_string(op));
    }
}
} // namespace

extern "C" {

int32_t dt_unary(int32_t op, const dt_tensor* a, dt_tensor** out)
{
    DT_RESULT(out, unary(op, dt::ref(a)))
}

int32_t dt_binary(int32_t op, const dt_tensor* a, const dt_tensor* b, dt_tensor** out)
{
    DT_RESULT(out, binary(op, dt::ref(a), dt::ref(b)))
}

int32_t dt_binary_scalar(int32_t op, const dt_tensor* a, double b, dt_tensor** out)
{
    DT_RESULT(out, binary_scalar(op, dt::ref(a), b))
}

int32_t dt_add_scaled(const dt_tensor* a, const dt_tensor* b, double alpha, dt_tensor** out)
{
    DT_RESULT(out, at::add(dt::ref(a), dt::ref(b), alpha))
}

int32_t dt_binary_(int32_t op, const dt_tensor* a, const dt_tensor* b, double scalar)
{
    DT_GUARD({
        auto& target = const_cast<at::Tensor&>(dt::ref(a));
        if (b == nullptr)
        {
            scalar_inplace(op, target, scalar);
        }
        else
        {
            binary_inplace(op, target, dt::ref(b));
        }
    })
}

int32_t dt_copy_(const dt_tensor* dst, const dt_tensor* src)
{
    DT_GUARD(const_cast<at::Tensor&>(dt::ref(dst)).copy_(dt::ref(src)))
}

int32_t dt_fill_(const dt_tensor* t, double value)
{
    DT_GUARD(const_cast<at::Tensor&>(dt::ref(t)).fill_(value))
}

int32_t dt_clamp(const dt_tensor* a, double min, double max, int32_t has_min, int32_t has_max, dt_tensor** out)
{
    DT_RESULT(out, at::clamp(dt::ref(a),
                             has_min != 0 ? c10::optional<at::Scalar>(min) : c10::nullopt,
                             has_max != 0 ? c10::optional<at::Scalar>(max) : c10::nullopt))
}

int32_t dt_where(const dt_tensor* cond, const dt_tensor* a, const dt_tensor* b, dt_tensor** out)
{
    DT_RESULT(out, at::where(dt::ref(cond), dt::ref(a), dt::ref(b)))
}

int32_t dt_masked_fill(const dt_tensor* a, const dt_tensor* mask, double value, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).masked_fill(dt::ref(mask), value))
}

int32_t dt_lerp(const dt_tensor* a, const dt_tensor* b, double weight, dt_tensor** out)
{
    DT_RESULT(out, at::lerp(dt::ref(a), dt::ref(b), weight))
}

int32_t dt_matmul(const dt_tensor* a, const dt_tensor* b, dt_tensor** out)
{
    DT_RESULT(out, at::matmul(dt::ref(a), dt::ref(b)))
}

int32_t dt_bmm(const dt_tensor* a, const dt_tensor* b, dt_tensor** out)
{
    DT_RESULT(out, at::bmm(dt::ref(a), dt::ref(b)))
}

int32_t dt_linear(const dt_tensor* x, const dt_tensor* weight, const dt_tensor* bias, dt_tensor** out)
{
    DT_RESULT(out, at::linear(dt::ref(x), dt::ref(weight), dt::opt(bias)))
}

int32_t dt_addmm(const dt_tensor* bias, const dt_tensor* a, const dt_tensor* b, dt_tensor** out)
{
    DT_RESULT(out, at::addmm(dt::ref(bias), dt::ref(a), dt::ref(b)))
}

int32_t dt_outer(const dt_tensor* a, const dt_tensor* b, dt_tensor** out)
{
    DT_RESULT(out, at::outer(dt::ref(a), dt::ref(b)))
}

int32_t dt_reduce(int32_t op, const dt_tensor* a, const int64_t* dims, int32_t ndims, int32_t keepdim, int32_t dtype, dt_tensor** out)
{
    DT_RESULT(out, reduce(op, dt::ref(a), dt::dims(dims, ndims), keepdim != 0, dtype))
}

int32_t dt_reduce_with_index(int32_t kind, const dt_tensor* a, int64_t k, int64_t dim, int32_t keepdim, dt_tensor** values, dt_tensor** indices)
{
    dt::set_null(values);
    dt::set_null(indices);
    DT_GUARD({
        dt::require_out(values);
        dt::require_out(indices);
        const auto& x = dt::ref(a);
        std::tuple<at::Tensor, at::Tensor> r;
        switch (kind)
        {
        case 0: r = at::max(x, dim, keepdim != 0); break;
        case 1: r = at::min(x, dim, keepdim != 0); break;
        case 2: r = at::median(x, dim, keepdim != 0); break;
        case 3: r = at::kthvalue(x, k, dim, keepdim != 0); break;
        case 4: r = at::mode(x, dim, keepdim != 0); break;
        default: throw std::invalid_argument("unknown indexed reduction " + std::to_string(kind));
        }
        *values = dt::wrap(std::get<0>(r));
        *indices = dt::wrap(std::get<1>(r));
    })
}

int32_t dt_median_all(const dt_tensor* a, dt_tensor** out)
{
    DT_RESULT(out, at::median(dt::ref(a)))
}

int32_t dt_argmax(const dt_tensor* a, int64_t dim, int32_t keepdim, dt_tensor** out)
{
    DT_RESULT(out, at::argmax(dt::ref(a), dim == INT64_MIN ? c10::optional<int64_t>() : c10::optional<int64_t>(dim), keepdim != 0))
}

int32_t dt_argmin(const dt_tensor* a, int64_t dim, int32_t keepdim, dt_tensor** out)
{
    DT_RESULT(out, at::argmin(dt::ref(a), dim == INT64_MIN ? c10::optional<int64_t>() : c10::optional<int64_t>(dim), keepdim != 0))
}

int32_t dt_topk(const dt_tensor* a, int64_t k, int64_t dim, int32_t largest, int32_t sorted, dt_tensor** values, dt_tensor** indices)
{
    dt::set_null(values);
    dt::set_null(indices);
    DT_GUARD({
        dt::require_out(values);
        dt::require_out(indices);
        auto r = at::topk(dt::ref(a), k, dim, largest != 0, sorted != 0);
        *values = dt::wrap(std::get<0>(r));
        *indices = dt::wrap(std::get<1>(r));
    })
}

int32_t dt_sort(const dt_tensor* a, int64_t dim, int32_t descending, int32_t stable, dt_tensor** values, dt_tensor** indices)
{
    dt::set_null(values);
    dt::set_null(indices);
    DT_GUARD({
        dt::require_out(values);
        dt::require_out(indices);
        auto r = at::sort(dt::ref(a), c10::optional<bool>(stable != 0), dim, descending != 0);
        *values = dt::wrap(std::get<0>(r));
        *indices = dt::wrap(std::get<1>(r));
    })
}

int32_t dt_cumsum(const dt_tensor* a, int64_t dim, dt_tensor** out)
{
    DT_RESULT(out, at::cumsum(dt::ref(a), dim))
}

int32_t dt_gather(const dt_tensor* a, int64_t dim, const dt_tensor* index, dt_tensor** out)
{
    DT_RESULT(out, at::gather(dt::ref(a), dim, dt::ref(index)))
}

int32_t dt_scatter(const dt_tensor* a, int64_t dim, const dt_tensor* index, const dt_tensor* src, int32_t add, dt_tensor** out)
{
    DT_RESULT(out, add != 0 ? at::scatter_add(dt::ref(a), dim, dt::ref(index), dt::ref(src))
                            : at::scatter(dt::ref(a), dim, dt::ref(index), dt::ref(src)))
}

int32_t dt_index_select(const dt_tensor* a, int64_t dim, const dt_tensor* index, dt_tensor** out)
{
    DT_RESULT(out, at::index_select(dt::ref(a), dim, dt::ref(index)))
}

int32_t dt_masked_select(const dt_tensor* a, const dt_tensor* mask, dt_tensor** out)
{
    DT_RESULT(out, at::masked_select(dt::ref(a), dt::ref(mask)))
}

int32_t dt_nonzero(const dt_tensor* a, dt_tensor** out)
{
    DT_RESULT(out, at::nonzero(dt::ref(a)))
}

} // extern "C"
