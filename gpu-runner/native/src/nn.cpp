// Neural-network functions: normalisation, activations with state, attention and losses.
#include "common.h"

namespace
{
at::Tensor dropout(const at::Tensor& x, double p, bool train, const c10::optional<at::Generator>& gen)
{
    if (p < 0.0 || p > 1.0)
    {
        throw std::invalid_argument("dropout probability must be in [0, 1], got " + std::to_string(p));
    }
    if (!train || p == 0.0)
    {
        return x;
    }
    if (p == 1.0)
    {
        return x * at::zeros_like(x);
    }
    // The same composition as libtorch's own dropout, with an explicit generator for reproducible runs.
    auto noise = at::empty_like(x).bernoulli_(1.0 - p, gen);
    noise.div_(1.0 - p);
    return x * noise;
}

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps)
{
#if DT_TORCH_AT_LEAST(2, 4)
    if (x.scalar_type() == at::kFloat && (!weight.defined() || weight.scalar_type() == at::kFloat))
    {
        return at::rms_norm(x, {x.size(-1)}, weight, eps);
    }
#endif
    // At least fp32 (half types are upcast as in LlamaRMSNorm); float64 stays float64 rather than losing precision.
    auto x32 = x.to(at::promote_types(x.scalar_type(), at::kFloat));
    auto y = (x32 * at::rsqrt(x32.pow(2).mean(-1, true) + eps)).to(x.scalar_type());
    return weight.defined() ? weight * y : y;
}

std::tuple<at::Tensor, at::Tensor> attention(at::Tensor q, at::Tensor k, at::Tensor v, const at::Tensor& mask,
                                             double dropout_p, bool causal, double scale,
                                             const c10::optional<at::Generator>& gen, bool need_weights)
{
    if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
    {
        throw std::invalid_argument("attention expects q, k and v of rank 4 [batch, heads, length, head_dim]");
    }
    auto heads = q.size(1);
    auto kv_heads = k.size(1);
    if (kv_heads != v.size(1) || kv_heads == 0 || heads % kv_heads != 0)
    {
        throw std::invalid_argument("attention: " + std::to_string(heads) + " query heads cannot share " +
                                    std::to_string(kv_heads) + " key/value heads");
    }
    auto head_dim = q.size(3);
    if (scale <= 0.0)
    {
        scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    }
    auto target = q.size(2);
    auto source = k.size(2);
#if DT_TORCH_AT_LEAST(2, 1)
    // The fused kernels: flash or memory-efficient attention on CUDA, a blocked kernel on CPU. They draw
    // dropout from the default generator, so an explicit generator keeps the composition below.
    if (!need_weights && !(dropout_p > 0.0 && gen.has_value()) && !(causal && mask.defined()))
    {
#if DT_TORCH_AT_LEAST(2, 5)
        auto out = at::scaled_dot_product_attention(q, k, v, mask, dropout_p, causal, scale, heads != kv_heads);
#else
        if (heads != kv_heads)
        {
            k = k.repeat_interleave(heads / kv_heads, 1);
            v = v.repeat_interleave(heads / kv_heads, 1);
        }
        auto out = at::scaled_dot_product_attention(q, k, v, mask, dropout_p, causal, scale);
#endif
        return {out, at::Tensor()};
    }
#endif
    if (heads != kv_heads)
    {
        // Grouped-query attention: every key/value head serves heads / kv_heads consecutive query heads.
        auto rep = heads / kv_heads;
        k = k.unsqueeze(2).expand({k.size(0), kv_heads, rep, source, head_dim}).reshape({k.size(0), heads, source, head_dim});
        v = v.unsqueeze(2).expand({v.size(0), kv_heads, rep, source, head_dim}).reshape({v.size(0), heads, source, head_dim});
    }
    auto scores = at::matmul(q, k.transpose(-2, -1)) * scale;
    if (causal)
    {
        // Query i (of the last `target` positions) sees keys up to i + source - target.
        auto hidden = at::ones({target, source}, q.options().dtype(at::kBool)).triu(source - target + 1);
        scores = scores.masked_fill(hidden, -std::numeric_limits<double>::infinity());
    }
    if (mask.defined())
    {
        if (mask.scalar_type() == at::kBool)
        {
            scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
        }
        else
        {
            scores = scores + mask;
        }
    }
    auto probs = at::softmax(scores, -1);
    auto dropped = dropout(probs, dropout_p, dropout_p > 0.0, gen);
    return {at::matmul(dropped, v), need_weights ? probs : at::Tensor()};
}
} // namespace

extern "C" {

int32_t dt_softmax(const dt_tensor* a, int64_t dim, int32_t dtype, dt_tensor** out)
{
    DT_RESULT(out, at::softmax(dt::ref(a), dim, dt::optional_dtype(dtype)))
}

int32_t dt_log_softmax(const dt_tensor* a, int64_t dim, int32_t dtype, dt_tensor** out)
{
    DT_RESULT(out, at::log_softmax(dt::ref(a), dim, dt::optional_dtype(dtype)))
}

int32_t dt_embedding(const dt_tensor* weight, const dt_tensor* ids, dt_tensor** out)
{
    DT_RESULT(out, at::embedding(dt::ref(weight), dt::ref(ids)))
}

int32_t dt_layer_norm(const dt_tensor* x, const dt_tensor* weight, const dt_tensor* bias, double eps, dt_tensor** out)
{
    DT_RESULT(out, ([&] {
        const auto& input = dt::ref(x);
        return at::layer_norm(input, {input.size(-1)}, dt::opt(weight), dt::opt(bias), eps);
    })())
}

int32_t dt_rms_norm(const dt_tensor* x, const dt_tensor* weight, double eps, dt_tensor** out)
{
    DT_RESULT(out, rms_norm(dt::ref(x), dt::opt(weight), eps))
}

int32_t dt_dropout(const dt_tensor* x, double p, int32_t train, dt_generator* g, dt_tensor** out)
{
    DT_RESULT(out, dropout(dt::ref(x), p, train != 0, dt::generator(g)))
}

int32_t dt_attention(const dt_tensor* q, const dt_tensor* k, const dt_tensor* v, const dt_tensor* mask,
                     double dropout_p, int32_t causal, double scale, dt_generator* g,
                     dt_tensor** out, dt_tensor** weights_out)
{
    dt::set_null(out);
    dt::set_null(weights_out);
    DT_GUARD({
        dt::require_out(out);
        auto r = attention(dt::ref(q), dt::ref(k), dt::ref(v), dt::opt(mask), dropout_p, causal != 0, scale,
                           dt::generator(g), weights_out != nullptr);
        *out = dt::wrap(std::get<0>(r));
        if (weights_out != nullptr)
        {
            *weights_out = dt::wrap(std::get<1>(r));
        }
    })
}

int32_t dt_cross_entropy(const dt_tensor* logits, const dt_tensor* target, int64_t ignore_index, int32_t reduction,
                         double label_smoothing, dt_tensor** out)
{
    DT_RESULT(out, at::cross_entropy_loss(dt::ref(logits), dt::ref(target), c10::nullopt, dt::reduction(reduction),
                                          ignore_index, label_smoothing))
}

int32_t dt_kl_div(const dt_tensor* input, const dt_tensor* target, int32_t reduction, int32_t log_target, dt_tensor** out)
{
    DT_RESULT(out, at::kl_div(dt::ref(input), dt::ref(target), dt::reduction(reduction), log_target != 0))
}

int32_t dt_mse_loss(const dt_tensor* a, const dt_tensor* b, int32_t reduction, dt_tensor** out)
{
    DT_RESULT(out, at::mse_loss(dt::ref(a), dt::ref(b), dt::reduction(reduction)))
}

} // extern "C"
