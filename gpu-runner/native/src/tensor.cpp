// Tensor lifetime, queries, host data, creation, conversion, autograd and shape operations.
#include "common.h"

#include <cstring>

namespace
{
std::vector<int64_t> shape_vector(const int64_t* shape, int32_t rank)
{
    auto d = dt::dims(shape, rank);
    for (auto size : d)
    {
        if (size < 0)
        {
            throw std::invalid_argument("negative dimension " + std::to_string(size) + " in a shape");
        }
    }
    return d.vec();
}

int32_t split_results(const std::vector<at::Tensor>& parts, dt_tensor** outs, int32_t capacity, int32_t* n_out)
{
    *n_out = static_cast<int32_t>(parts.size());
    if (static_cast<int32_t>(parts.size()) > capacity)
    {
        return dt::fail(DT_INVALID_ARGUMENT, ("the split produced " + std::to_string(parts.size()) +
                                              " parts but the caller has room for " + std::to_string(capacity)).c_str());
    }
    for (size_t i = 0; i < parts.size(); i++)
    {
        outs[i] = dt::wrap(parts[i]);
    }
    return DT_OK;
}
} // namespace

extern "C" {

void dt_tensor_free(dt_tensor* t)
{
    if (t != nullptr)
    {
        delete reinterpret_cast<at::Tensor*>(t);
        dt::live_tensors.fetch_sub(1, std::memory_order_relaxed);
    }
}

int32_t dt_tensor_info(const dt_tensor* t, int32_t* dtype, int32_t* device, int32_t* rank, int32_t* requires_grad)
{
    DT_GUARD({
        const auto& x = dt::ref(t);
        *dtype = dt::dtype_of(x.scalar_type());
        *device = dt::device_of(x.device());
        *rank = static_cast<int32_t>(x.dim());
        *requires_grad = x.requires_grad() ? 1 : 0;
    })
}

int32_t dt_tensor_shape(const dt_tensor* t, int64_t* shape, int32_t capacity)
{
    DT_GUARD({
        const auto& x = dt::ref(t);
        if (x.dim() > capacity)
        {
            throw std::invalid_argument("shape buffer too small");
        }
        for (int64_t i = 0; i < x.dim(); i++)
        {
            shape[i] = x.size(i);
        }
    })
}

int32_t dt_tensor_is_leaf(const dt_tensor* t, int32_t* out)
{
    DT_GUARD(*out = dt::ref(t).is_leaf() ? 1 : 0)
}

int32_t dt_tensor_is_contiguous(const dt_tensor* t, int32_t* out)
{
    DT_GUARD(*out = dt::ref(t).is_contiguous() ? 1 : 0)
}

int32_t dt_tensor_same_storage(const dt_tensor* a, const dt_tensor* b, int32_t* out)
{
    DT_GUARD(*out = dt::ref(a).is_alias_of(dt::ref(b)) ? 1 : 0)
}

int32_t dt_from_data(const void* data, const int64_t* shape, int32_t rank, int32_t dtype, int32_t device, dt_tensor** out)
{
    DT_RESULT(out, ([&] {
        auto sizes = shape_vector(shape, rank);
        auto type = dt::scalar_type(dtype);
        auto result = at::empty(sizes, at::TensorOptions().dtype(type));
        auto nbytes = result.nbytes();
        if (nbytes > 0)
        {
            if (data == nullptr)
            {
                throw std::invalid_argument("the host data pointer is null");
            }
            std::memcpy(result.data_ptr(), data, nbytes);
        }
        return device == DT_DEVICE_CPU ? result : result.to(dt::device(device));
    })())
}

int32_t dt_copy_to_host(const dt_tensor* t, void* dst, int64_t nbytes)
{
    DT_GUARD({
        auto host = dt::ref(t).detach().to(at::kCPU).contiguous();
        if (static_cast<int64_t>(host.nbytes()) != nbytes)
        {
            throw std::invalid_argument("the tensor holds " + std::to_string(host.nbytes()) +
                                        " bytes but the destination has " + std::to_string(nbytes));
        }
        if (nbytes > 0)
        {
            std::memcpy(dst, host.data_ptr(), static_cast<size_t>(nbytes));
        }
    })
}

int32_t dt_item(const dt_tensor* t, double* out)
{
    DT_GUARD(*out = dt::ref(t).item<double>())
}

int32_t dt_alias(const dt_tensor* t, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(t))
}

int32_t dt_full(const int64_t* shape, int32_t rank, double value, int32_t dtype, int32_t device, dt_tensor** out)
{
    DT_RESULT(out, at::full(shape_vector(shape, rank), value, dt::options(dtype, device)))
}

int32_t dt_empty(const int64_t* shape, int32_t rank, int32_t dtype, int32_t device, dt_tensor** out)
{
    DT_RESULT(out, at::empty(shape_vector(shape, rank), dt::options(dtype, device)))
}

int32_t dt_arange(double start, double end, double step, int32_t dtype, int32_t device, dt_tensor** out)
{
    DT_RESULT(out, at::arange(start, end, step, dt::options(dtype, device)))
}

int32_t dt_random(int32_t kind, const int64_t* shape, int32_t rank, double a, double b, int32_t dtype, int32_t device,
                  dt_generator* g, dt_tensor** out)
{
    DT_RESULT(out, ([&] {
        auto sizes = shape_vector(shape, rank);
        auto gen = dt::generator(g);
        // Draw on the generator's own device so that a seed gives the same numbers wherever the result lives.
        auto draw_device = g == nullptr ? device : (gen->device().is_cpu() ? DT_DEVICE_CPU : device);
        auto opts = dt::options(dtype, draw_device);
        at::Tensor result;
        switch (kind)
        {
        case 0:
            result = at::empty(sizes, opts).normal_(a, b, gen);
            break;
        case 1:
            result = at::empty(sizes, opts).uniform_(a, b, gen);
            break;
        case 2:
            result = at::randint(static_cast<int64_t>(a), static_cast<int64_t>(b), sizes, gen, opts);
            break;
        default:
            throw std::invalid_argument("unknown random kind " + std::to_string(kind));
        }
        return draw_device == device ? result : result.to(dt::device(device));
    })())
}

int32_t dt_bernoulli(const dt_tensor* probs, dt_generator* g, dt_tensor** out)
{
    DT_RESULT(out, at::bernoulli(dt::ref(probs), dt::generator(g)))
}

int32_t dt_multinomial(const dt_tensor* probs, int64_t samples, int32_t replacement, dt_generator* g, dt_tensor** out)
{
    DT_RESULT(out, at::multinomial(dt::ref(probs), samples, replacement != 0, dt::generator(g)))
}

int32_t dt_to(const dt_tensor* t, int32_t dtype, int32_t device, int32_t copy, dt_tensor** out)
{
    DT_RESULT(out, ([&] {
        const auto& x = dt::ref(t);
        auto type = dtype < 0 ? x.scalar_type() : dt::scalar_type(dtype);
        return x.to(dt::device(device), type, /*non_blocking=*/false, copy != 0);
    })())
}

int32_t dt_contiguous(const dt_tensor* t, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(t).contiguous())
}

int32_t dt_clone(const dt_tensor* t, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(t).clone())
}

int32_t dt_detach(const dt_tensor* t, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(t).detach())
}

int32_t dt_set_requires_grad(const dt_tensor* t, int32_t requires_grad)
{
    DT_GUARD(const_cast<at::Tensor&>(dt::ref(t)).set_requires_grad(requires_grad != 0))
}

int32_t dt_grad(const dt_tensor* t, dt_tensor** out)
{
    // An undefined gradient is not an error: *out stays NULL.
    dt::set_null(out);
    DT_GUARD(*out = dt::wrap(dt::ref(t).grad()))
}

int32_t dt_set_grad(const dt_tensor* t, const dt_tensor* grad)
{
    DT_GUARD(const_cast<at::Tensor&>(dt::ref(t)).mutable_grad() = dt::opt(grad))
}

int32_t dt_backward(const dt_tensor* t, const dt_tensor* grad, int32_t retain_graph)
{
    DT_GUARD(dt::ref(t).backward(dt::opt(grad), retain_graph != 0, /*create_graph=*/false))
}

int32_t dt_zero_grad(const dt_tensor* const* params, int32_t n)
{
    DT_GUARD({
        for (auto& p : dt::list(params, n))
        {
            p.mutable_grad().reset();
        }
    })
}

int32_t dt_set_data(const dt_tensor* t, const dt_tensor* data)
{
    DT_GUARD(const_cast<at::Tensor&>(dt::ref(t)).set_data(dt::ref(data)))
}

int32_t dt_view(const dt_tensor* a, const int64_t* shape, int32_t rank, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).view(dt::dims(shape, rank)))
}

int32_t dt_reshape(const dt_tensor* a, const int64_t* shape, int32_t rank, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).reshape(dt::dims(shape, rank)))
}

int32_t dt_expand(const dt_tensor* a, const int64_t* shape, int32_t rank, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).expand(dt::dims(shape, rank)))
}

int32_t dt_permute(const dt_tensor* a, const int64_t* dims, int32_t rank, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).permute(dt::dims(dims, rank)))
}

int32_t dt_transpose(const dt_tensor* a, int64_t dim0, int64_t dim1, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).transpose(dim0, dim1))
}

int32_t dt_narrow(const dt_tensor* a, int64_t dim, int64_t start, int64_t length, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).narrow(dim, start, length))
}

int32_t dt_slice(const dt_tensor* a, int64_t dim, int64_t start, int64_t end, int64_t step, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).slice(dim, start, end, step))
}

int32_t dt_select(const dt_tensor* a, int64_t dim, int64_t index, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).select(dim, index))
}

int32_t dt_unsqueeze(const dt_tensor* a, int64_t dim, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).unsqueeze(dim))
}

int32_t dt_squeeze(const dt_tensor* a, int64_t dim, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).squeeze(dim))
}

int32_t dt_flatten(const dt_tensor* a, int64_t start, int64_t end, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).flatten(start, end))
}

int32_t dt_cat(const dt_tensor* const* items, int32_t n, int64_t dim, dt_tensor** out)
{
    DT_RESULT(out, at::cat(dt::list(items, n), dim))
}

int32_t dt_stack(const dt_tensor* const* items, int32_t n, int64_t dim, dt_tensor** out)
{
    DT_RESULT(out, at::stack(dt::list(items, n), dim))
}

int32_t dt_split(const dt_tensor* a, int64_t size, int64_t dim, dt_tensor** outs, int32_t capacity, int32_t* n_out)
{
    *n_out = 0;
    DT_GUARD(return split_results(dt::ref(a).split(size, dim), outs, capacity, n_out))
}

int32_t dt_chunk(const dt_tensor* a, int64_t chunks, int64_t dim, dt_tensor** outs, int32_t capacity, int32_t* n_out)
{
    *n_out = 0;
    DT_GUARD(return split_results(dt::ref(a).chunk(chunks, dim), outs, capacity, n_out))
}

int32_t dt_repeat_interleave(const dt_tensor* a, int64_t repeats, int64_t dim, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).repeat_interleave(repeats, dim))
}

int32_t dt_triangle(const dt_tensor* a, int64_t diagonal, int32_t upper, dt_tensor** out)
{
    DT_RESULT(out, upper != 0 ? dt::ref(a).triu(diagonal) : dt::ref(a).tril(diagonal))
}

int32_t dt_flip(const dt_tensor* a, const int64_t* dims, int32_t n, dt_tensor** out)
{
    DT_RESULT(out, dt::ref(a).flip(dt::dims(dims, n)))
}

} // extern "C"
